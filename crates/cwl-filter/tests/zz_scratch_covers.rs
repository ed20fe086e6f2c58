use cwl_filter::analysis::covers;
use cwl_filter::Pattern;
#[test]
fn show() {
    let cases: &[(&str, &[&str])] = &[
        (r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#,
         &[r#"{(($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && (($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket"))}"#]),
        (r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#,
         &[r#"{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}"#]),
        (r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#,
         &[r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#]),
        ("{ ($.eventName = CreateTrail) || ($.eventName = StopLogging) }", &["{ ($.eventName = CreateTrail || $.eventName = StopLogging) && $.awsRegion = us-east-1 }"]),
        ("{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) }", &["{ $.eventName = *InternetGateway }", "{ $.eventName = CreateCustomerGateway || $.eventName = DeleteCustomerGateway }"]),
        (r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#, &[r#"{ $.userIdentity.type = "Root" && $.eventType != "AwsServiceEvent" }"#]),
        ("{ $.eventName = ConsoleLogin }", &["ConsoleLogin"]),
        ("{ $.eventName = ConsoleLogin }", &[""]),
        ("{ $.eventName = %^Delete[A-Z]% }", &["{ $.eventName = Delete* && $.eventName != DeleteX }"]),
    ];
    for (r, a) in cases {
        let acts: Vec<Pattern> = a.iter().map(|x| Pattern::parse(x).unwrap()).collect();
        let t = std::time::Instant::now();
        let c = covers(&Pattern::parse(r).unwrap(), &acts);
        eprintln!("{:?}  {c}", t.elapsed());
    }
}
