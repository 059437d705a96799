//! `yanhuo bench --planning`: where a figure's time to a physical plan goes, phase by phase
//! and rule by rule of DataFusion's logical and physical optimizers. The small figures spend more time
//! planning than reading rows (README "Speed"); this says which part of DataFusion costs it,
//! and shows what a DataFusion upgrade or a change to a query file's text saves.

use std::time::{Duration, Instant};

use std::sync::Arc;

use datafusion::execution::{SessionState, SessionStateBuilder};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_planner::{DefaultPhysicalPlanner, PhysicalPlanner};
use datafusion::prelude::SessionContext;

use super::{median, millis};
use crate::engine::sized::sized;
use crate::error::Result;

/// One figure's planning, in the order DataFusion runs it: medians of the runs, in ms.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Phases {
    pub name: String,
    /// Parsing the SQL and turning it into a logical plan.
    pub sql_ms: f64,
    /// The analyzer and the logical optimizer.
    pub logical_ms: f64,
    /// Of `logical_ms`, the analyzer's rules (type coercion and the like).
    pub analyzer_ms: f64,
    /// Of `logical_ms`, each rule of the logical optimizer in the order it ran (each pass's
    /// rules again, if the session runs more than one pass).
    pub logical_rules: Vec<(String, f64)>,
    /// The logical plan turned into operators, before any physical rule.
    pub physical_ms: f64,
    /// Each rule of the session's physical optimizer, in the order it runs (a rule that
    /// runs twice is listed twice).
    pub rules: Vec<(String, f64)>,
}

impl Phases {
    /// The four phases together: the figure's time to a physical plan.
    pub fn total_ms(&self) -> f64 {
        self.sql_ms + self.logical_ms + self.physical_ms + self.rules_ms()
    }

    pub fn rules_ms(&self) -> f64 {
        self.rules.iter().map(|(_, ms)| ms).sum()
    }
}

/// Plans `sql` in `ctx` `runs` times, timing each phase apart. The same work as
/// `ctx.sql(sql)` and `create_physical_plan`, taken step by step.
pub async fn measure(ctx: &SessionContext, name: &str, sql: &str, runs: usize) -> Result<Phases> {
    let steps = Steps::new(ctx);
    let mut times = Times::default();
    for _ in 0..runs.max(1) {
        steps.plan(sql, &mut times).await?;
    }
    let logical_rules = steps.state.optimizer().rules.iter().cycle();
    Ok(Phases {
        name: name.to_string(),
        sql_ms: millis(median(times.sql)),
        logical_ms: millis(median(times.logical)),
        analyzer_ms: millis(median(times.analyzer)),
        logical_rules: logical_rules
            .zip(times.logical_rules)
            .map(|(rule, times)| (rule.name().to_string(), millis(median(times))))
            .collect(),
        physical_ms: millis(median(times.physical)),
        rules: times
            .rule_names
            .into_iter()
            .zip(times.rules)
            .map(|(rule, times)| (rule, millis(median(times))))
            .collect(),
    })
}

/// Each phase's times over the runs; `rules` and `logical_rules` have one list per rule
/// run.
#[derive(Default)]
struct Times {
    sql: Vec<Duration>,
    logical: Vec<Duration>,
    analyzer: Vec<Duration>,
    logical_rules: Vec<Vec<Duration>>,
    physical: Vec<Duration>,
    /// The physical rules the session's planner runs for this plan (`sized`), in order.
    rule_names: Vec<String>,
    rules: Vec<Vec<Duration>>,
}

/// A session's planning, one phase at a time.
struct Steps {
    state: SessionState,
    /// The same session with no physical rule: its planner gives the plan the rules start from.
    unoptimized: SessionState,
}

impl Steps {
    fn new(ctx: &SessionContext) -> Self {
        let state = ctx.state();
        let unoptimized = SessionStateBuilder::new_from_existing(state.clone())
            .with_physical_optimizer_rules(vec![])
            .build();
        Steps { state, unoptimized }
    }

    async fn plan(&self, sql: &str, times: &mut Times) -> Result<Arc<dyn ExecutionPlan>> {
        let t = Instant::now();
        let plan = self.state.create_logical_plan(sql).await?;
        times.sql.push(t.elapsed());
        // What `SessionState::optimize` does, with DataFusion's observer of each rule: the
        // time between two calls is the later rule's.
        let t = Instant::now();
        let options = self.state.config_options();
        let plan = self
            .state
            .analyzer()
            .execute_and_check(plan, options, |_, _| {})?;
        times.analyzer.push(t.elapsed());
        let mut ran = Vec::new();
        let mut last = Instant::now();
        let plan = self.state.optimizer().optimize(plan, &self.state, |_, _| {
            let now = Instant::now();
            ran.push(now - last);
            last = now;
        })?;
        times.logical.push(t.elapsed());
        if times.logical_rules.len() < ran.len() {
            times.logical_rules.resize(ran.len(), Vec::new());
        }
        for (rule_times, took) in times.logical_rules.iter_mut().zip(ran) {
            rule_times.push(took);
        }
        let t = Instant::now();
        // With the partitions the session's planner would give it (src/engine/sized.rs).
        let operators = sized(&plan, &self.unoptimized).await?;
        let mut physical = DefaultPhysicalPlanner::default()
            .create_physical_plan(&plan, operators.as_ref())
            .await?;
        times.physical.push(t.elapsed());
        // And the rules it would run.
        let with_rules = sized(&plan, &self.state).await?;
        let rules = with_rules.physical_optimizers();
        times.rule_names = rules.iter().map(|rule| rule.name().to_string()).collect();
        times.rules.resize(rules.len(), Vec::new());
        for (rule, rule_times) in rules.iter().zip(times.rules.iter_mut()) {
            let t = Instant::now();
            physical = rule.optimize(physical, with_rules.config_options())?;
            rule_times.push(t.elapsed());
        }
        Ok(physical)
    }
}

impl std::fmt::Display for Phases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{}: {:.2} ms to a physical plan",
            self.name,
            self.total_ms()
        )?;
        let phases = [
            ("SQL to a logical plan", self.sql_ms),
            ("logical optimizer", self.logical_ms),
            ("operators", self.physical_ms),
            ("physical optimizer", self.rules_ms()),
        ];
        for (phase, ms) in phases {
            writeln!(f, "  {phase:<42}{ms:8.2} ms")?;
            let rules: &[(String, f64)] = match phase {
                "logical optimizer" => {
                    writeln!(f, "    {:<40}{:8.2} ms", "(analyzer)", self.analyzer_ms)?;
                    &self.logical_rules
                }
                "physical optimizer" => &self.rules,
                _ => &[],
            };
            for (rule, ms) in rules {
                writeln!(f, "    {rule:<40}{ms:8.2} ms")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use datafusion::physical_plan::displayable;

    use super::*;

    /// Taken step by step, the planning ends in the plan DataFusion makes in one go: the
    /// phases measured are the ones a figure pays for, and every rule is in them, in order.
    #[tokio::test]
    async fn the_steps_give_the_plan_datafusion_gives_and_name_every_rule() {
        let ctx = crate::engine::session::new_context(chrono_tz::Asia::Shanghai, None).unwrap();
        ctx.sql("CREATE TABLE shops (shop_id TEXT, community_id TEXT) AS VALUES ('s1', 'c1'), ('s2', 'c1'), ('s3', 'c2')")
            .await
            .unwrap();
        ctx.sql("CREATE TABLE footfall (shop_id TEXT, date DATE, visitors BIGINT) AS VALUES ('s1', DATE '2022-04-01', 10), ('s2', DATE '2022-04-01', 5), ('s3', DATE '2022-04-02', 7)")
            .await
            .unwrap();
        let sql = "SELECT s.community_id, f.date, SUM(f.visitors) AS visitors, \
                   RANK() OVER (PARTITION BY s.community_id ORDER BY f.date) AS day \
                   FROM shops s JOIN footfall f ON f.shop_id = s.shop_id \
                   WHERE f.date >= DATE '2022-04-01' GROUP BY s.community_id, f.date \
                   ORDER BY s.community_id, f.date";
        let once = ctx
            .sql(sql)
            .await
            .unwrap()
            .create_physical_plan()
            .await
            .unwrap();
        let mut times = Times::default();
        let stepped = Steps::new(&ctx).plan(sql, &mut times).await.unwrap();
        assert_eq!(
            displayable(stepped.as_ref()).indent(true).to_string(),
            displayable(once.as_ref()).indent(true).to_string()
        );

        let phases = measure(&ctx, "footfall_by_community", sql, 2)
            .await
            .unwrap();
        let names: Vec<&str> = phases.rules.iter().map(|(n, _)| n.as_str()).collect();
        let state = ctx.state();
        let expected: Vec<&str> = state
            .physical_optimizers()
            .iter()
            .map(|r| r.name())
            .collect();
        assert_eq!(names, expected);
        assert!(names.contains(&"EnsureRequirements"), "{names:?}");
        // One pass of the logical optimizer (`session.rs`): each of its rules once, in order.
        let logical: Vec<&str> = phases
            .logical_rules
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        let expected: Vec<&str> = state.optimizer().rules.iter().map(|r| r.name()).collect();
        assert_eq!(logical, expected);
        assert!(logical.contains(&"push_down_filter"), "{logical:?}");
        let text = phases.to_string();
        assert!(text.starts_with("footfall_by_community: "), "{text}");
        for rule in names.into_iter().chain(logical) {
            assert!(text.contains(&format!("    {rule} ")), "{rule} in {text}");
        }
    }
}
