//! `/jobs`: long work in a reactive page. A handler that pushes its
//! progress, events the server chains after one another, a background
//! import that outlives its event (its log a [`Stream`]: the browser keeps
//! the lines, the tab's state none), and an event the server throttles.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tandem::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tandem::ui::components::{Tone, badge, card, grid, primary_button, progress_bar, secondary_button};
use tandem::ui::node::*;
use tandem::ui::{EventContext, EventError, Row, State, Stream, TabHandle, View, events};

use super::layout::layout;
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
    /// The import's log, newest first: sent to the browser, not kept here.
    pub import_log: Stream<Imported>,
    /// Pings answered (they are not held up by the import).
    pub pings: u32,
    /// Drafts saved (at most one a second).
    pub drafts: u32,
}

/// A line of the import's log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Row)]
pub struct Imported {
    /// The product's id (the row's key: a product imported again replaces
    /// its line).
    pub id: i64,
    /// The product's name.
    pub name: String,
    /// Its place in this import, from 1.
    pub number: u32,
}

/// Lines of the import's log the browser keeps.
pub const LOG_LINES: u32 = 3;

/// How long each of the pushed job's ten steps takes.
const STEP: Duration = Duration::from_millis(60);

#[events]
impl Jobs {
    /// Ten steps, each pushed to the browser as it completes.
    pub async fn process(&mut self, ctx: &mut EventContext) {
        self.stage = "working".into();
        self.progress = 0;
        ctx.push(self).await;
        for step in 1..=10u8 {
            tandem::tokio::time::sleep(STEP).await;
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
        tandem::tokio::time::sleep(STEP).await;
        Err(EventError::new("The job failed half-way; nothing was kept."))
    }

    /// The first of three chained events.
    pub async fn chain(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        self.steps = vec!["first".into()];
        ctx.then(|s: &View<Self>| s.chain_step().with("second"))
    }

    /// A chained step: the second queues the third.
    pub async fn chain_step(&mut self, ctx: &mut EventContext, label: String) -> Result<(), EventError> {
        if label == "second" {
            ctx.then(|s: &View<Self>| s.chain_step().with("third"))?;
        }
        self.steps.push(label);
        Ok(())
    }

    /// Starts importing the active products in the background, one every
    /// 80 ms; the page stays responsive meanwhile.
    pub async fn start_import(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        if self.importing {
            return Err(EventError::new("An import is already running."));
        }
        self.importing = true;
        self.imported = 0;
        ctx.spawn(|tab: TabHandle<Self>| async move {
            let products = product::Entity::find()
                .filter(product::Column::IsActive.eq(true))
                .order_by_asc(product::Column::Id)
                .all(tab.db())
                .await
                .unwrap_or_default();
            for found in products {
                tandem::tokio::time::sleep(Duration::from_millis(80)).await;
                let progressed = tab
                    .update(|jobs| {
                        jobs.imported += 1;
                        jobs.last_imported = found.name.clone();
                        let line = Imported { id: found.id, name: found.name.clone(), number: jobs.imported };
                        jobs.import_log.insert_first(line);
                        jobs.import_log.keep_first(LOG_LINES);
                    })
                    .await;
                if progressed.is_err() {
                    return; // the tab is gone
                }
            }
            let _ = tab.update(|jobs| jobs.importing = false).await;
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
pub fn view(s: &View<Jobs>) -> Node {
    layout().page(
        "/jobs",
        [
            div().class("page-heading").children([
                h1().text("Jobs"),
                p().class("lede").text(
                    "Long work in a live page: pushed progress, chained events, background tasks, a streamed log.",
                ),
            ]),
            grid(
                "20rem",
                [
                    card(
                        "Pushed progress",
                        [
                            progress_bar(s.progress, 100, "Job progress").id("progress"),
                            p().class("job-status").children([
                                span().id("percent").child(bind(s.progress)),
                                text("% "),
                                span().id("stage").child(bind(s.stage)),
                            ]),
                            hstack([
                                primary_button("Run").id("process").on_click(s.process()),
                                secondary_button("Run and fail").id("process-fail").on_click(s.process_and_fail()),
                            ]),
                        ],
                    ),
                    card(
                        "Chained events",
                        [
                            p().class("hint").text("One click, three events run one after another on the server."),
                            ol().id("steps").child(s.steps.each_value(|item| li().child(bind(item)))),
                            primary_button("Chain").id("chain").on_click(s.chain()),
                        ],
                    ),
                    card(
                        "Background import",
                        [
                            p().class("job-status").children([
                                span().id("imported").child(bind(s.imported)),
                                text(" imported "),
                                cond(s.importing, badge(text("running"), Tone::Info).id("importing"), nothing()),
                                text(" "),
                                span().id("last-imported").child(bind(s.last_imported)),
                            ]),
                            ol().id("import-log").class("import-log").child(s.import_log.each(|line| {
                                li().children([
                                    span().class("number").child(bind(line.number)),
                                    text(". "),
                                    span().class("name").child(bind(line.name)),
                                ])
                            })),
                            hstack([
                                primary_button("Import").id("import").on_click(s.start_import()),
                                secondary_button("Ping").id("ping").on_click(s.ping()),
                                span().children([text("Pings: "), span().id("pings").child(bind(s.pings))]),
                            ]),
                        ],
                    ),
                    card(
                        "Throttled on the server",
                        [
                            p().class("hint").text("At most one draft a second is saved, however fast you click."),
                            hstack([
                                secondary_button("Save draft").id("save-draft").on_click(s.save_draft()),
                                span().children([text("Drafts: "), span().id("drafts").child(bind(s.drafts))]),
                            ]),
                        ],
                    ),
                ],
            ),
        ],
    )
}
