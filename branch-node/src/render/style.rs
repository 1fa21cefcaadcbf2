//! The page's stylesheet, inlined so a printed page needs nothing else: A4
//! and the 80 mm thermal roll, on screen and in print.

pub(super) const CSS: &str = r#"
* { box-sizing: border-box; }
body { margin: 0; font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 10pt; color: #000; background: #eee; }
.page { position: relative; background: #fff; margin: 0 auto; padding: 10mm; }
.a4 .page { width: 210mm; min-height: 297mm; }
.thermal .page { width: 72mm; padding: 0; font-size: 8pt; overflow-wrap: anywhere; }
.thermal table { table-layout: fixed; }
.thermal .num { white-space: normal; }
h1 { font-size: 14pt; text-align: center; margin: 0 0 4px; letter-spacing: 1px; }
.thermal h1 { font-size: 11pt; }
.supplier { text-align: center; margin-bottom: 6px; }
.supplier .name { font-size: 13pt; font-weight: bold; }
.thermal .supplier .name { font-size: 10pt; }
.meta, .parties { width: 100%; border-collapse: collapse; margin-bottom: 6px; }
.meta td, .parties td { vertical-align: top; padding: 2px 4px; }
.a4 .parties td { width: 50%; border: 1px solid #000; }
.label { font-weight: bold; }
table.lines, table.rates, table.totals { width: 100%; border-collapse: collapse; margin-bottom: 6px; }
table.lines th, table.lines td, table.rates th, table.rates td { border: 1px solid #000; padding: 2px 4px; }
th { background: #f0f0f0; }
.num { text-align: right; white-space: nowrap; }
table.totals { width: auto; margin-left: auto; }
table.totals td { padding: 1px 6px; }
table.totals tr.grand td { font-weight: bold; border-top: 1px solid #000; border-bottom: 1px solid #000; font-size: 11pt; }
.words { font-style: italic; margin: 4px 0; }
.note { margin: 2px 0; }
.against { margin: 4px 0; font-weight: bold; }
.upi { margin: 8px 0; text-align: center; }
.einvoice { display: flex; gap: 8px; align-items: center; justify-content: space-between; margin: 6px 0; border: 1px solid #000; padding: 4px; }
.einvoice .mono { font-family: monospace; word-break: break-all; }
.einvoice svg.qr { width: 40mm; height: 40mm; flex: none; }
.thermal .einvoice { display: block; text-align: center; }
.thermal .einvoice svg.qr { width: 36mm; height: 36mm; }
.upi svg.qr { width: 40mm; height: 40mm; }
.thermal .upi svg.qr { width: 36mm; height: 36mm; }
.upi .link { font-size: 7pt; word-break: break-all; }
.sign { margin-top: 24px; text-align: right; }
.sign .space { height: 36px; }
.cancel-banner { border: 3px solid #c00; color: #c00; text-align: center; font-size: 16pt; font-weight: bold; padding: 4px; margin-bottom: 6px; letter-spacing: 4px; }
.watermark { position: absolute; top: 40%; left: 0; right: 0; text-align: center; font-size: 72pt; font-weight: bold; color: rgba(204, 0, 0, 0.18); transform: rotate(-30deg); pointer-events: none; letter-spacing: 8px; }
.thermal .watermark { font-size: 28pt; }
/* 80 mm roll: each line becomes a small block instead of a wide row. */
.thermal .parties td { display: block; width: 100%; }
.thermal table.lines thead { display: none; }
.thermal table.lines tr { display: block; border-bottom: 1px dashed #000; padding: 2px 0; }
.thermal table.lines td { display: inline; border: none; padding: 0 2px 0 0; }
.thermal table.lines td.desc { display: block; font-weight: bold; }
.thermal table.lines td[data-label]::before { content: attr(data-label) " "; font-weight: normal; color: #333; }
.thermal table.rates th, .thermal table.rates td { padding: 1px 1px; font-size: 6.5pt; }
.thermal table.meta td, .thermal table.totals td { padding: 1px 2px; }
.thermal table.totals { width: 100%; }
@media print {
  body { background: #fff; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .page { margin: 0; padding: 0; min-height: 0; box-shadow: none; }
  .a4 .page { width: auto; }
  .thermal .page { width: 72mm; }
  tr { page-break-inside: avoid; }
}
"#;
