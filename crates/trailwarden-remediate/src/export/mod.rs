//! Renderings of a [`Plan`]: a readable list, JSON, and code that performs it elsewhere (Terraform,
//! CloudFormation, a bash script of `aws` commands).

pub mod cli;
pub mod cloudformation;
mod common;
pub mod iam;
pub mod terraform;
mod text;

use crate::Plan;

/// An output format of `trailwarden remediate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A readable list of actions, blocked controls and notes.
    Plan,
    /// `{"actions": [...]}` (plus `blocked` and `notes` when not empty).
    Json,
    /// Terraform (`hashicorp/aws` resources; variables for the topic and the subscribers).
    Terraform,
    /// CloudFormation YAML, one template per account and region.
    CloudFormation,
    /// A bash script of `aws` commands.
    Cli,
    /// The least-privilege IAM policy `--apply` needs for this plan.
    IamPolicy,
}

impl Format {
    /// Parses a `--format` value.
    pub fn parse(text: &str) -> Result<Format, ExportError> {
        Ok(match text {
            "plan" => Format::Plan,
            "json" => Format::Json,
            "terraform" => Format::Terraform,
            "cloudformation" => Format::CloudFormation,
            "cli" => Format::Cli,
            "iam-policy" => Format::IamPolicy,
            other => return Err(ExportError::UnknownFormat(other.to_string())),
        })
    }
}

/// Why a plan cannot be rendered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExportError {
    /// Not a known `--format`.
    #[error("unknown format '{0}'; valid: plan, json, terraform, cloudformation, cli, iam-policy")]
    UnknownFormat(String),
    /// Serialisation failed.
    #[error("cannot render the plan as {format}: {message}")]
    Render {
        format: &'static str,
        message: String,
    },
}

/// Renders the plan.
pub fn render(plan: &Plan, format: Format) -> Result<String, ExportError> {
    match format {
        Format::Plan => Ok(text::render(plan)),
        Format::Terraform => Ok(terraform::render(plan)),
        Format::CloudFormation => Ok(cloudformation::render(plan)),
        Format::Cli => Ok(cli::render(plan)),
        Format::IamPolicy => Ok(iam::render(plan)),
        Format::Json => serde_json::to_string_pretty(plan)
            .map(|mut s| {
                s.push('\n');
                s
            })
            .map_err(|e| ExportError::Render {
                format: "json",
                message: e.to_string(),
            }),
    }
}
