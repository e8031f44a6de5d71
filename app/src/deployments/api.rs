//! Server functions of the deployment pages: reads, the plan editor's
//! preview and create, and an operator's actions — `ActionForm`s, so they work
//! without WASM too.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::types::{Deployment, DeploymentDetail, DeploymentFilter, DeploymentRow, InFlight};
use crate::shared::fields::ServerError;
use crate::shared::page::Page;

#[cfg(feature = "ssr")]
use crate::auth::{Access, Role};
#[cfg(feature = "ssr")]
use crate::error::{server_error, AppError};

/// A page of deployments for the list.
#[server]
pub async fn list_deployments_page(
    filter: DeploymentFilter,
    cursor: Option<String>,
) -> Result<Page<DeploymentRow>, ServerError> {
    let (db, caller) = crate::authorize(Access::SignedIn)?;
    let cursor = cursor.filter(|c| !c.trim().is_empty());
    super::server::views::list_rows(&db, &caller, &filter, cursor.as_deref(), 50)
        .await
        .map(std::sync::Arc::unwrap_or_clone)
        .map_err(server_error)
}

/// One deployment's page.
#[server]
pub async fn get_deployment_detail(key: String) -> Result<DeploymentDetail, ServerError> {
    let (db, caller) = crate::authorize(Access::SignedIn)?;
    super::server::views::detail(&db, &caller, &key)
        .await
        .map_err(server_error)
}

/// Deployments in flight and planned, and the capacity freezes in force (in
/// one region, when given).
#[server]
pub async fn get_in_flight(region: Option<String>) -> Result<InFlight, ServerError> {
    let (db, caller) = crate::authorize(Access::SignedIn)?;
    let region = region.filter(|r| !r.trim().is_empty());
    super::server::views::in_flight(&db, &caller, region.as_deref())
        .await
        .map_err(server_error)
}

/// One ring of the plan editor, as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RingForm {
    pub name: Option<String>,
    pub bake_minutes: Option<String>,
    /// A buildout's clusters as `zone:units` (`1:500 2:500`); otherwise cluster ids.
    pub targets: Option<String>,
}

/// The plan editor's fields, as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeploymentForm {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub region: Option<String>,
    pub sku: Option<String>,
    pub public_summary: Option<String>,
    /// Request keys, separated by spaces or commas.
    pub requests: Option<String>,
    #[serde(default)]
    pub rings: Vec<RingForm>,
}

impl DeploymentForm {
    /// The fields as the form posts them, for sending the form back as typed.
    pub fn fields(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = [
            ("kind", &self.kind),
            ("title", &self.title),
            ("region", &self.region),
            ("sku", &self.sku),
            ("public_summary", &self.public_summary),
            ("requests", &self.requests),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k.to_owned(), v.clone())))
        .collect();
        for (i, r) in self.rings.iter().enumerate() {
            for (f, v) in [
                ("name", &r.name),
                ("bake_minutes", &r.bake_minutes),
                ("targets", &r.targets),
            ] {
                out.push((format!("rings[{i}][{f}]"), v.clone().unwrap_or_default()));
            }
        }
        out
    }

    /// The plan as the API takes it; a target that is not `zone:units` (or a
    /// cluster id) is refused naming its ring.
    pub fn input(&self) -> Result<super::types::DeploymentInput, (&'static str, String)> {
        use super::types::{DeploymentInput, RingInput, TargetInput};
        let buildout = self.kind.as_deref() == Some("buildout");
        let mut rings = Vec::new();
        for (r, ring) in self.rings.iter().enumerate() {
            let text = ring.targets.as_deref().unwrap_or_default();
            // A ring left without targets (a template's spare name) is no ring.
            if text.trim().is_empty() {
                continue;
            }
            let name = ring.name.clone().filter(|n| !n.trim().is_empty());
            let bake_minutes = match ring
                .bake_minutes
                .as_deref()
                .map(str::trim)
                .filter(|b| !b.is_empty())
            {
                None => None,
                Some(b) => Some(b.parse::<i64>().map_err(|_| {
                    (
                        "rings",
                        format!("rings[{r}]: bake minutes must be a whole number"),
                    )
                })?),
            };
            let mut targets = Vec::new();
            for token in crate::deployments::plan_edit::tokens(text) {
                let bad = || {
                    (
                        "rings",
                        format!(
                            "rings[{r}]: '{}' is not {}",
                            crate::shared::text::bounded(token, 20),
                            if buildout {
                                "zone:units, such as 1:500"
                            } else {
                                "a cluster id"
                            }
                        ),
                    )
                };
                targets.push(if buildout {
                    let (z, u) = token.split_once(':').ok_or_else(bad)?;
                    TargetInput {
                        zone: Some(z.parse().map_err(|_| bad())?),
                        units: Some(u.parse().map_err(|_| bad())?),
                        cluster_id: None,
                    }
                } else {
                    TargetInput {
                        cluster_id: Some(token.parse().map_err(|_| bad())?),
                        ..Default::default()
                    }
                });
            }
            rings.push(RingInput {
                name,
                bake_minutes,
                targets,
            });
        }
        Ok(DeploymentInput {
            kind: self.kind.clone(),
            title: self.title.clone(),
            region: self.region.clone(),
            sku: self.sku.clone(),
            requests: self
                .requests
                .as_deref()
                .unwrap_or_default()
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|k| !k.is_empty())
                .map(str::to_owned)
                .collect(),
            rings,
            public_summary: self.public_summary.clone(),
        })
    }
}

/// What one ring of a plan would do to its region × SKU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RingPreview {
    pub name: String,
    pub targets: usize,
    /// Units the ring adds (positive) or takes out of service (negative).
    pub units: i64,
    pub unit: String,
    /// The region × SKU's free units once the ring has run.
    pub free_after: i64,
}

/// The plan editor's preview: each ring's capacity change, before saving.
#[server]
pub async fn preview_deployment(
    #[server(flatten)] form: DeploymentForm,
) -> Result<Vec<RingPreview>, ServerError> {
    let (db, caller) = crate::authorize(Access::Role(Role::Operator))?;
    let input = form
        .input()
        .map_err(|(f, m)| server_error(AppError::invalid(f, m)))?;
    super::server::service::preview(&db, &caller, &input)
        .await
        .map_err(server_error)
}

/// The plan editor's "Apply template": rings over the typed targets, each
/// cluster in its own zone's ring.
#[server]
pub async fn plan_from_template(
    template: String,
    kind: String,
    all: String,
) -> Result<Vec<super::types::TemplateRing>, ServerError> {
    let (db, caller) = crate::authorize(Access::Role(Role::Operator))?;
    super::server::service::template(&db, &caller, &kind, &template, &all)
        .await
        .map_err(server_error)
}

/// Creates a planned deployment from the plan editor, then shows it.
#[server]
pub async fn create_deployment(
    #[server(flatten)] form: DeploymentForm,
) -> Result<Deployment, ServerError> {
    let (db, caller) = crate::authorize(Access::Role(Role::Operator))?;
    let created = async {
        let input = form.input().map_err(|(f, m)| AppError::invalid(f, m))?;
        super::server::service::create(&db, &caller, &input).await
    };
    match created.await {
        Ok(d) => {
            let notice = crate::shared::url::encode_component(&format!("{} is planned", d.key));
            crate::shared::forms::go_to(&format!("/deployments/{}?notice={notice}", d.key));
            Ok(d)
        }
        // Without JS: back to the editor with the error and the plan as typed.
        Err(e) => {
            let e = server_error(e);
            let fields = form.fields();
            let keep: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            crate::shared::forms::back_with_error::<CreateDeployment>(&keep, &e);
            Err(e)
        }
    }
}

/// Starts, pauses, resumes, rolls back or cancels a deployment from its page.
#[server]
pub async fn act_on_deployment(
    key: String,
    action: String,
    version: Option<String>,
) -> Result<Deployment, ServerError> {
    let (db, caller) = crate::authorize(Access::Role(Role::Operator))?;
    let acted = async {
        let action = super::domain::DeploymentAction::parse(&action)
            .map_err(|m| AppError::invalid("action", m))?;
        let version = version.as_deref().and_then(|v| v.trim().parse().ok());
        super::server::run::act(&db, &caller, &key, action, version).await
    };
    let d = acted.await.map_err(server_error)?;
    let notice = crate::shared::url::encode_component(&format!(
        "{} is {} (version {})",
        d.key, d.state, d.version
    ));
    crate::shared::forms::go_to(&format!("/deployments/{}?notice={notice}", d.key));
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_editor_reads_targets_as_text() {
        let form = DeploymentForm {
            kind: Some("buildout".into()),
            requests: Some("CR-1001, CR-1002".into()),
            rings: vec![
                RingForm {
                    name: Some("canary".into()),
                    bake_minutes: Some("60".into()),
                    targets: Some("1:500".into()),
                },
                RingForm {
                    name: Some("rest".into()),
                    bake_minutes: None,
                    targets: Some("2:500, 3:250".into()),
                },
                RingForm::default(),
                RingForm {
                    name: Some("broad".into()),
                    bake_minutes: Some("0".into()),
                    targets: Some(" ".into()),
                },
            ],
            ..Default::default()
        };
        let input = form.input().unwrap();
        assert_eq!(input.rings.len(), 2, "rings without targets are left out");
        assert_eq!(input.rings[1].targets[1].units, Some(250));
        assert_eq!(input.requests, vec!["CR-1001", "CR-1002"]);
        let bad = DeploymentForm {
            kind: Some("buildout".into()),
            rings: vec![RingForm {
                targets: Some("500".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(bad.input().unwrap_err().0, "rings");
        let ids = DeploymentForm {
            kind: Some("decommission".into()),
            rings: vec![RingForm {
                targets: Some("12 13".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(
            ids.input().unwrap().rings[0].targets[1].cluster_id,
            Some(13)
        );
    }
}
