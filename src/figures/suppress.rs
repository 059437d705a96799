//! Small-cell suppression for figures that leave for print (docs/METRICS.md, "Publishing"):
//! a reporter's table must never let a reader work out one shop's figure.
//!
//! - a cell built from fewer than 3 shops is hidden;
//! - a cell in which the two largest shops make more than 85% of its revenue is hidden
//!   ((2, 85) dominance);
//! - where a published total and the other cells of that total would give a hidden cell away,
//!   the smallest remaining cell of that total is hidden too;
//! - a hidden value is an empty cell with a note, never 0.
//!
//! `src/figures/export/` applies these rules to every figure that leaves for print; analysts' own
//! query results are never suppressed.

/// What a cell of a published table is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Each contributing shop's revenue in the cell (other figures are suppressed by the same
    /// shops' revenue: that is what a competitor could learn).
    pub shop_revenue: Vec<f64>,
    /// The cell's size (the sum of its shops' weights), used to choose the smallest cell for
    /// secondary suppression: a rate has no size of its own, the revenue behind it does.
    pub value: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hidden {
    /// Fewer than 3 shops.
    FewShops,
    /// The two largest shops make more than 85% of the revenue.
    Dominated,
    /// Hidden so that a total cannot give another hidden cell away.
    Secondary,
}

impl Hidden {
    /// A stable word for files (`figure.json`).
    pub fn code(self) -> &'static str {
        match self {
            Hidden::FewShops => "fewer_than_3_shops",
            Hidden::Dominated => "two_shops_over_85_percent",
            Hidden::Secondary => "would_reveal_another",
        }
    }

    /// The note printed beside an empty cell.
    pub fn note(self, english: bool) -> &'static str {
        match (self, english) {
            (Hidden::FewShops, false) => "不足3家店铺，已隐去",
            (Hidden::FewShops, true) => "suppressed: fewer than 3 shops",
            (Hidden::Dominated, false) => "两家最大店铺占比超过85%，已隐去",
            (Hidden::Dominated, true) => "suppressed: two shops make over 85% of it",
            (Hidden::Secondary, false) => "为免推算出隐去的数值，已隐去",
            (Hidden::Secondary, true) => "suppressed so that a hidden value cannot be worked out",
        }
    }
}

pub const MIN_SHOPS: usize = 3;
pub const DOMINANCE_SHARE: f64 = 0.85;

/// Why one cell must be hidden on its own, if it must. A cell no shop contributes to (no
/// revenue that day, no provider of a service) tells nothing about any shop: published.
pub fn primary(cell: &Cell) -> Option<Hidden> {
    if cell.shop_revenue.is_empty() {
        return None;
    }
    if cell.shop_revenue.len() < MIN_SHOPS {
        return Some(Hidden::FewShops);
    }
    let total: f64 = cell.shop_revenue.iter().sum();
    let mut largest = cell.shop_revenue.clone();
    largest.sort_by(|a, b| b.total_cmp(a));
    let top_two = largest[0] + largest[1];
    // "More than 85%": exactly 85% is published. Compared as 100·top > 85·total so 0.85's
    // binary rounding cannot move a cell across the line.
    (total > 0.0 && 100.0 * top_two > 85.0 * total).then_some(Hidden::Dominated)
}

/// Which cells of one table to hide. `with_total`: the table also publishes the sum of its
/// cells, so one hidden cell alone could be worked out by subtraction.
pub fn suppress(cells: &[Cell], with_total: bool) -> Vec<Option<Hidden>> {
    let mut hidden: Vec<Option<Hidden>> = cells.iter().map(primary).collect();
    if with_total {
        secondary(cells, &mut hidden);
    }
    hidden
}

/// Where exactly one cell of a total is hidden, hides the smallest other cell a shop
/// contributes to (hiding a cell known to be empty would protect nothing).
pub fn secondary(cells: &[Cell], hidden: &mut [Option<Hidden>]) {
    if hidden.iter().filter(|h| h.is_some()).count() != 1 {
        return;
    }
    let smallest = cells
        .iter()
        .enumerate()
        .filter(|(i, c)| hidden[*i].is_none() && !c.shop_revenue.is_empty())
        .min_by(|a, b| a.1.value.total_cmp(&b.1.value))
        .map(|(i, _)| i);
    if let Some(i) = smallest {
        hidden[i] = Some(Hidden::Secondary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(shops: &[f64]) -> Cell {
        Cell {
            shop_revenue: shops.to_vec(),
            value: shops.iter().sum(),
        }
    }

    #[test]
    fn two_shops_are_hidden_and_three_are_published() {
        assert_eq!(primary(&cell(&[10.0, 10.0])), Some(Hidden::FewShops));
        assert_eq!(primary(&cell(&[10.0, 10.0, 10.0])), None);
        assert_eq!(primary(&cell(&[10.0])), Some(Hidden::FewShops));
        // No shop at all: nothing about a shop to give away.
        assert_eq!(primary(&cell(&[])), None);
    }

    #[test]
    fn dominance_hides_above_85_percent_and_not_at_it() {
        // The two largest, 80 + 5, make exactly 85 of 100: published.
        assert_eq!(primary(&cell(&[80.0, 5.0, 5.0, 5.0, 5.0])), None);
        // 80.01 + 5 of 100: hidden.
        assert_eq!(
            primary(&cell(&[80.01, 5.0, 5.0, 5.0, 4.99])),
            Some(Hidden::Dominated)
        );
        // Many small shops and two giants.
        assert_eq!(
            primary(&cell(&[500.0, 400.0, 10.0, 10.0, 10.0])),
            Some(Hidden::Dominated)
        );
        // No revenue at all: nothing to dominate.
        assert_eq!(primary(&cell(&[0.0, 0.0, 0.0])), None);
    }

    #[test]
    fn a_total_would_reveal_one_hidden_cell_so_the_smallest_other_goes_too() {
        let cells = [
            cell(&[10.0, 10.0]),             // two shops: hidden
            cell(&[30.0, 30.0, 30.0]),       // 90
            cell(&[20.0, 20.0, 20.0, 20.0]), // 80: the smallest of the rest
            cell(&[50.0, 50.0, 50.0]),       // 150
        ];
        assert_eq!(
            suppress(&cells, true),
            [Some(Hidden::FewShops), None, Some(Hidden::Secondary), None]
        );
        // Without a published total, subtraction reveals nothing.
        assert_eq!(
            suppress(&cells, false),
            [Some(Hidden::FewShops), None, None, None]
        );
        // Two hidden cells already: their sum is all a total gives away.
        // An empty cell is no cover: the next smallest cell with shops in it is hidden.
        let with_empty = [cell(&[1.0]), cell(&[]), cell(&[5.0, 5.0, 5.0])];
        assert_eq!(
            suppress(&with_empty, true),
            [Some(Hidden::FewShops), None, Some(Hidden::Secondary)]
        );
        let two = [cell(&[1.0]), cell(&[2.0]), cell(&[5.0, 5.0, 5.0])];
        assert_eq!(
            suppress(&two, true),
            [Some(Hidden::FewShops), Some(Hidden::FewShops), None]
        );
    }
}
