//! The dashboard's charts, drawn by the hub as inline SVG: revenue by
//! branch over the days, open jobs in each status, GST by month. Pure
//! functions from report rows to markup. Every bar carries its figure —
//! `data-value` with the exact amount or count, and a `<title>` in the
//! owner's words (₹1,23,456.00, DD-MM-YYYY) that a browser shows on hover
//! and a screen reader reads — and, where there is one, the link to what
//! the figure is made of.
//!
//! Amounts stay `Decimal`: a bar's height is the amount scaled in decimal
//! and rounded to a whole pixel; the rest of the geometry is integers.

use rust_decimal::Decimal;
use sync_core::domain::date::Date;
use sync_core::domain::money::format_inr;

use crate::store::{GstMonthRow, PendingRow, RevenueRow};
use sheets::escape as esc;

/// The drawing's size in its own units; CSS scales it to the box.
const W: i64 = 640;
const H: i64 = 240;
/// The plot area: left margin for the scale, bottom for the labels.
const LEFT: i64 = 56;
const TOP: i64 = 28;
const BOTTOM: i64 = 204;
const RIGHT: i64 = W - 8;
/// One colour per branch (then per GST component), in the UI's palette.
const PALETTE: [&str; 6] = [
    "#0b63ce", "#047857", "#b45309", "#7c3aed", "#be185d", "#0e7490",
];

/// An amount to the paisa, as the data attribute carries it: `1180.00`.
pub fn exact(d: Decimal) -> String {
    let mut x = d;
    if x.scale() < 2 {
        x.rescale(2);
    }
    x.to_string()
}

/// An amount as the owner reads it: ₹1,23,456.00, -₹12.50.
pub fn rupees(d: Decimal) -> String {
    let s = format_inr(d);
    match s.strip_prefix('-') {
        Some(abs) => format!("-₹{abs}"),
        None => format!("₹{s}"),
    }
}

/// A bar's height for `v` of `max` over `span` units; nothing below zero.
fn scaled(v: Decimal, max: Decimal, span: i64) -> i64 {
    if max <= Decimal::ZERO || v <= Decimal::ZERO {
        return 0;
    }
    let h = (v * Decimal::from(span) / max).round();
    i64::try_from(h).unwrap_or(span).clamp(0, span)
}

fn frame(id: &str, title: &str, body: &str, legend: &[(&str, &str)]) -> String {
    let mut keys = String::new();
    let mut x = LEFT;
    for (name, colour) in legend {
        keys.push_str(&format!(
            "<rect x=\"{x}\" y=\"6\" width=\"10\" height=\"10\" fill=\"{colour}\"/><text x=\"{}\" y=\"15\" class=\"key\">{}</text>",
            x + 14,
            esc(name)
        ));
        // Room for the name: a rough 7 units a character.
        x += 24 + 7 * name.chars().count() as i64;
    }
    format!(
        "<figure class=\"chart\" id=\"chart-{id}\"><figcaption>{}</figcaption><svg viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">{keys}<line x1=\"{LEFT}\" y1=\"{BOTTOM}\" x2=\"{RIGHT}\" y2=\"{BOTTOM}\" class=\"axis\"/>{body}</svg></figure>",
        esc(title),
        esc(title)
    )
}

fn empty(id: &str, title: &str) -> String {
    format!(
        "<figure class=\"chart\" id=\"chart-{id}\"><figcaption>{}</figcaption><p class=\"muted\">Nothing in this range.</p></figure>",
        esc(title)
    )
}

/// The scale's top figure at the left of the plot.
fn scale_label(top: &str) -> String {
    format!(
        "<text x=\"{}\" y=\"{}\" class=\"scale\" text-anchor=\"end\">{}</text><text x=\"{}\" y=\"{BOTTOM}\" class=\"scale\" text-anchor=\"end\">0</text>",
        LEFT - 4,
        TOP + 4,
        esc(top),
        LEFT - 4
    )
}

/// Every how many groups a label is written, so labels do not collide.
fn label_step(groups: usize) -> usize {
    groups.div_ceil(12).max(1)
}

/// Revenue by branch over the days: for each day a bar per branch, each a
/// link to that day's documents there (`link(branch_id, date)`).
pub fn revenue_by_branch(rows: &[RevenueRow], link: impl Fn(&RevenueRow) -> String) -> String {
    let title = "Revenue by branch and day";
    if rows.is_empty() {
        return empty("revenue", title);
    }
    let mut branches: Vec<&str> = rows.iter().map(|r| r.branch.as_str()).collect();
    branches.sort();
    branches.dedup();
    let mut days: Vec<&str> = rows.iter().map(|r| r.date.as_str()).collect();
    days.sort();
    days.dedup();
    let max = rows
        .iter()
        .map(|r| r.revenue)
        .max()
        .unwrap_or_default()
        .max(Decimal::ZERO);
    let group = (RIGHT - LEFT) / days.len() as i64;
    // A bar no wider than a finger's width, however few the days.
    let bar = ((group - 4) / branches.len() as i64).clamp(1, 48);
    let mut body = scale_label(&rupees(max));
    let step = label_step(days.len());
    for (i, day) in days.iter().enumerate() {
        let x0 = LEFT + i as i64 * group + 2;
        for r in rows.iter().filter(|r| r.date == *day) {
            let b = branches.iter().position(|n| *n == r.branch).unwrap_or(0);
            let h = scaled(r.revenue, max, BOTTOM - TOP);
            let shown_day = day
                .parse::<Date>()
                .map_or(day.to_string(), |d| d.to_indian());
            body.push_str(&format!(
                "<a href=\"{}\"><rect class=\"bar\" data-branch=\"{}\" data-date=\"{}\" data-value=\"{}\" x=\"{}\" y=\"{}\" width=\"{bar}\" height=\"{h}\" fill=\"{}\"><title>{}, {}: {}</title></rect></a>",
                esc(&link(r)),
                esc(&r.branch),
                esc(day),
                exact(r.revenue),
                x0 + b as i64 * bar,
                BOTTOM - h,
                PALETTE[b % PALETTE.len()],
                esc(&r.branch),
                shown_day,
                rupees(r.revenue)
            ));
        }
        if i % step == 0 {
            let label = day
                .parse::<Date>()
                .map_or(day.to_string(), |d| format!("{:02}-{:02}", d.day, d.month));
            body.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" class=\"label\" text-anchor=\"middle\">{}</text>",
                x0 + bar * branches.len() as i64 / 2,
                BOTTOM + 16,
                esc(&label)
            ));
        }
    }
    let legend: Vec<(&str, &str)> = branches
        .iter()
        .enumerate()
        .map(|(i, b)| (*b, PALETTE[i % PALETTE.len()]))
        .collect();
    frame("revenue", title, &body, &legend)
}

/// A status as the shop says it: `in_repair` → "In repair".
pub fn status_words(s: &str) -> String {
    sheets::heading(s)
}

/// Open jobs in each status, every branch of the rows together: a bar per
/// status (in the order of the job's life), each a link to those jobs.
pub fn jobs_by_status(rows: &[PendingRow], link: impl Fn(&str) -> String) -> String {
    let title = "Open jobs in each status";
    let mut counts: Vec<(&'static str, u64)> = vec![];
    for s in sync_core::domain::lifecycle::JobStatus::ALL {
        let n: u64 = rows
            .iter()
            .filter(|r| r.status == s.as_str())
            .map(|r| r.jobs)
            .sum();
        if n > 0 {
            counts.push((s.as_str(), n));
        }
    }
    if counts.is_empty() {
        return empty("jobs", title);
    }
    let max = counts.iter().map(|c| c.1).max().unwrap_or(1).max(1);
    // Horizontal bars: status names read along them, even on a phone.
    let row = ((BOTTOM - TOP) / counts.len() as i64).min(36);
    let left = 120;
    let mut body = String::new();
    for (i, (status, n)) in counts.iter().enumerate() {
        let y = TOP + i as i64 * row;
        let w = ((RIGHT - left - 40) * *n as i64 / max as i64).max(2);
        body.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" class=\"label\" text-anchor=\"end\">{}</text><a href=\"{}\"><rect class=\"bar\" data-status=\"{status}\" data-value=\"{n}\" x=\"{left}\" y=\"{}\" width=\"{w}\" height=\"{}\" fill=\"{}\"><title>{}: {n} open</title></rect></a><text x=\"{}\" y=\"{}\" class=\"label\">{n}</text>",
            left - 6,
            y + row / 2 + 4,
            esc(&status_words(status)),
            esc(&link(status)),
            y + 3,
            row - 6,
            PALETTE[0],
            esc(&status_words(status)),
            left + w + 4,
            y + row / 2 + 4,
        ));
    }
    // No scale and no baseline: each bar says its count.
    format!(
        "<figure class=\"chart\" id=\"chart-jobs\"><figcaption>{title}</figcaption><svg viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{title}\" xmlns=\"http://www.w3.org/2000/svg\">{body}</svg></figure>"
    )
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `2026-12` → "Dec 2026".
fn month_words(m: &str) -> String {
    match m.split_once('-') {
        Some((y, mm)) => match mm.parse::<usize>() {
            Ok(i @ 1..=12) => format!("{} {y}", MONTHS[i - 1]),
            _ => m.to_string(),
        },
        None => m.to_string(),
    }
}

/// GST of tax invoices by month: CGST, SGST and IGST side by side.
pub fn gst_by_month(rows: &[GstMonthRow]) -> String {
    let title = "GST by month";
    if rows.is_empty() {
        return empty("gst", title);
    }
    let parts = ["cgst", "sgst", "igst"];
    let value = |r: &GstMonthRow, p: &str| match p {
        "cgst" => r.cgst,
        "sgst" => r.sgst,
        _ => r.igst,
    };
    let max = rows
        .iter()
        .flat_map(|r| parts.map(|p| value(r, p)))
        .max()
        .unwrap_or_default()
        .max(Decimal::ZERO);
    let group = (RIGHT - LEFT) / rows.len() as i64;
    let bar = ((group - 8) / 3).clamp(1, 48);
    let mut body = scale_label(&rupees(max));
    let step = label_step(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let x0 = LEFT + i as i64 * group + 4;
        for (k, p) in parts.iter().enumerate() {
            let v = value(r, p);
            let h = scaled(v, max, BOTTOM - TOP);
            body.push_str(&format!(
                "<rect class=\"bar\" data-month=\"{}\" data-component=\"{p}\" data-value=\"{}\" x=\"{}\" y=\"{}\" width=\"{bar}\" height=\"{h}\" fill=\"{}\"><title>{} {}: {}</title></rect>",
                esc(&r.month),
                exact(v),
                x0 + k as i64 * bar,
                BOTTOM - h,
                PALETTE[k],
                p.to_uppercase(),
                esc(&month_words(&r.month)),
                rupees(v)
            ));
        }
        if i % step == 0 {
            body.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" class=\"label\" text-anchor=\"middle\">{}</text>",
                x0 + bar * 3 / 2,
                BOTTOM + 16,
                esc(&month_words(&r.month))
            ));
        }
    }
    frame(
        "gst",
        title,
        &body,
        &[
            ("CGST", PALETTE[0]),
            ("SGST", PALETTE[1]),
            ("IGST", PALETTE[2]),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sync_core::ids::BranchId;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn rev(branch: &str, date: &str, v: &str) -> RevenueRow {
        RevenueRow {
            branch: branch.into(),
            branch_id: BranchId([branch.len() as u8; 16]),
            date: date.into(),
            revenue: d(v),
        }
    }

    /// The attribute `name` of each `<rect class="bar"` in `svg`, in order.
    fn bars<'a>(svg: &'a str, name: &str) -> Vec<&'a str> {
        svg.split("<rect class=\"bar\"")
            .skip(1)
            .filter_map(|b| {
                let at = b.find(&format!(" {name}=\""))? + name.len() + 3;
                Some(&b[at..at + b[at..].find('"')?])
            })
            .collect()
    }

    #[test]
    fn each_revenue_bar_carries_its_exact_figure_and_its_link() {
        let svg = revenue_by_branch(
            &[
                rev("Jayanagar", "2026-12-01", "1180"),
                rev("Whitefield", "2026-12-01", "123456.5"),
                rev("Jayanagar", "2026-12-02", "-10"),
            ],
            |r| format!("/x?b={}&d={}", r.branch, r.date),
        );
        assert_eq!(bars(&svg, "data-value"), ["1180.00", "123456.50", "-10.00"]);
        assert_eq!(
            bars(&svg, "data-branch"),
            ["Jayanagar", "Whitefield", "Jayanagar"]
        );
        assert!(
            svg.contains("<title>Whitefield, 01-12-2026: ₹1,23,456.50</title>"),
            "{svg}"
        );
        assert!(svg.contains("<title>Jayanagar, 02-12-2026: -₹10.00</title>"));
        assert!(svg.contains("href=\"/x?b=Jayanagar&amp;d=2026-12-01\""));
        // The largest bar spans the plot; a refund-heavy day draws nothing.
        let heights = bars(&svg, "height");
        assert_eq!(heights[1], (BOTTOM - TOP).to_string());
        assert_eq!(heights[2], "0");
        assert_eq!(heights[0], "2", "1180 of 123456.50 over 176 units, rounded");
    }

    #[test]
    fn jobs_by_status_sums_branches_in_the_order_of_a_jobs_life() {
        let p = |b: &str, s: &str, n| PendingRow {
            branch: b.into(),
            branch_id: BranchId([0; 16]),
            status: s.into(),
            jobs: n,
            oldest_days: 0,
        };
        let svg = jobs_by_status(
            &[
                p("A", "ready", 1),
                p("A", "received", 2),
                p("B", "received", 3),
            ],
            |s| format!("/jobs?status={s}"),
        );
        assert_eq!(bars(&svg, "data-status"), ["received", "ready"]);
        assert_eq!(bars(&svg, "data-value"), ["5", "1"]);
        assert!(svg.contains("<title>Received: 5 open</title>"));
        assert!(svg.contains("href=\"/jobs?status=ready\""));
        assert!(jobs_by_status(&[], |s| s.into()).contains("Nothing in this range"));
    }

    #[test]
    fn gst_by_month_has_three_components_a_month() {
        let svg = gst_by_month(&[GstMonthRow {
            month: "2026-12".into(),
            taxable: d("2000"),
            cgst: d("90"),
            sgst: d("90"),
            igst: d("180.5"),
        }]);
        assert_eq!(bars(&svg, "data-component"), ["cgst", "sgst", "igst"]);
        assert_eq!(bars(&svg, "data-value"), ["90.00", "90.00", "180.50"]);
        assert!(
            svg.contains("<title>IGST Dec 2026: ₹180.50</title>"),
            "{svg}"
        );
        assert!(svg.contains(">Dec 2026</text>"));
    }

    #[test]
    fn amounts_keep_every_paisa() {
        assert_eq!(exact(d("0.1")), "0.10");
        assert_eq!(exact(d("99999999999.99")), "99999999999.99");
        assert_eq!(rupees(d("6608")), "₹6,608.00");
        assert_eq!(scaled(d("1"), d("3"), 100), 33);
        assert_eq!(scaled(d("5"), Decimal::ZERO, 100), 0);
    }
}
