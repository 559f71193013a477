//! `/jobs`: long work in a reactive page. A handler that streams its
//! progress, events the server chains after one another, a background
//! import that outlives its event, and an event the server throttles.

use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tandem::ui::node::*;
use tandem::ui::{EventContext, EventError, State, events};

use crate::shop::models::product;

/// The jobs page's state.
#[derive(Default, Serialize, Deserialize, State)]
pub struct Jobs {
    /// The streamed job's progress, 0–100.
    pub progress: u8,
    /// What the streamed job is doing.
    pub stage: String,
    /// The chained events, in the order they ran.
    pub steps: Vec<String>,
    /// Whether the background import runs.
    pub importing: bool,
    /// Products the background import went through.
    pub imported: u32,
    /// The last product imported.
    pub last_imported: String,
    /// Pings answered (they are not held up by the import).
    pub pings: u32,
    /// Drafts saved (at most one a second).
    pub drafts: u32,
}

/// How long each of the streamed job's ten steps takes.
const STEP: Duration = Duration::from_millis(60);

#[events]
impl Jobs {
    /// Ten steps, each pushed to the browser as it completes.
    pub async fn process(&mut self, ctx: &mut EventContext) {
        self.stage = "working".into();
        self.progress = 0;
        ctx.push(self).await;
        for step in 1..=10u8 {
            tokio::time::sleep(STEP).await;
            self.progress = step * 10;
            ctx.push(self).await;
        }
        self.stage = "done".into();
    }

    /// Gets half-way, then fails: the browser takes the pushed progress back.
    pub async fn process_and_fail(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        self.stage = "working".into();
        self.progress = 50;
        ctx.push(self).await;
        tokio::time::sleep(STEP).await;
        Err(EventError::new("The job failed half-way; nothing was kept."))
    }

    /// The first of three chained events.
    pub async fn chain(&mut self, ctx: &mut EventContext) {
        self.steps = vec!["first".into()];
        ctx.queue("chain_step", json!(["second"]));
    }

    /// A chained step: the second queues the third.
    pub async fn chain_step(&mut self, ctx: &mut EventContext, label: String) {
        if label == "second" {
            ctx.queue("chain_step", json!(["third"]));
        }
        self.steps.push(label);
    }

    /// Starts importing the active products in the background, one every
    /// 80 ms; the page stays responsive meanwhile.
    pub async fn start_import(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        if self.importing {
            return Err(EventError::new("An import is already running."));
        }
        self.importing = true;
        self.imported = 0;
        ctx.spawn(|tab| async move {
            let products = product::Entity::find()
                .filter(product::Column::IsActive.eq(true))
                .order_by_asc(product::Column::Id)
                .all(tab.db())
                .await
                .unwrap_or_default();
            for found in products {
                tokio::time::sleep(Duration::from_millis(80)).await;
                let progressed = tab
                    .update(|jobs: &mut Jobs| {
                        jobs.imported += 1;
                        jobs.last_imported = found.name.clone();
                    })
                    .await;
                if progressed.is_err() {
                    return; // the tab is gone
                }
            }
            let _ = tab.update(|jobs: &mut Jobs| jobs.importing = false).await;
        });
        Ok(())
    }

    /// Answers at once, import or not.
    pub async fn ping(&mut self) {
        self.pings += 1;
    }

    /// Saves a draft; the server refuses more than one a second per tab.
    #[throttle(ms = 1000)]
    pub async fn save_draft(&mut self) {
        self.drafts += 1;
    }
}

/// The page.
pub fn view() -> Node {
    main().children([
        h1().text("Jobs"),
        section().children([
            h2().text("Streamed progress"),
            progress().id("progress").attr("max", "100").bind_attr("value", "progress"),
            p().children([
                span().id("percent").child(bind("progress")),
                text("% "),
                span().id("stage").child(bind("stage")),
            ]),
            hstack([
                button().id("process").text("Run").on_click(event("process")),
                button().id("process-fail").text("Run and fail").on_click(event("process_and_fail")),
            ]),
        ]),
        section().children([
            h2().text("Chained events"),
            button().id("chain").text("Chain").on_click(event("chain")),
            ol().id("steps").child(foreach("steps", "", li().child(bind("item")))),
        ]),
        section().children([
            h2().text("Background import"),
            button().id("import").text("Import").on_click(event("start_import")),
            p().children([
                span().id("imported").child(bind("imported")),
                text(" imported "),
                cond("importing", span().id("importing").text("(running)"), nothing()),
                span().id("last-imported").child(bind("last_imported")),
            ]),
            button().id("ping").text("Ping").on_click(event("ping")),
            span().id("pings").child(bind("pings")),
        ]),
        section().children([
            h2().text("Throttled on the server"),
            button().id("save-draft").text("Save draft").on_click(event("save_draft")),
            span().id("drafts").child(bind("drafts")),
        ]),
        p().child(a().href("/").text("Back to the shop")),
    ])
}
