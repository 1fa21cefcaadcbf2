//! Paying by UPI: the `upi://pay` link for what is owed, and its QR code
//! as inline SVG.

use rust_decimal::Decimal;
use sync_core::domain::money::to_paisa;

/// Percent-encode a query parameter value: everything but RFC 3986
/// unreserved characters is encoded (a space as `%20`, never `+`). `@` is
/// kept as is: it is legal in a query and every UPI app expects it literal in
/// a VPA.
fn pct(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The UPI deep link for paying `amount` to `upi_id`:
/// `upi://pay?pa=..&pn=..&am=..&cu=INR&tn=..`, every parameter
/// percent-encoded; the amount with exactly two decimals and no grouping.
pub fn upi_link(upi_id: &str, payee_name: &str, amount: Decimal, note: &str) -> String {
    let am = format!("{:.2}", to_paisa(amount));
    format!(
        "upi://pay?pa={}&pn={}&am={}&cu=INR&tn={}",
        pct(upi_id),
        pct(payee_name),
        pct(&am),
        pct(note)
    )
}

/// An inline SVG QR code of `text` (error-correction level M, with its quiet
/// zone), ready to place inside HTML. Empty if `text` is too long for any QR
/// version (about 2,300 bytes at level M).
pub fn qr_svg(text: &str) -> String {
    qr_svg_labelled(text, "UPI payment QR code")
}

/// As [`qr_svg`], named `label` for a screen reader.
pub fn qr_svg_labelled(text: &str, label: &str) -> String {
    use qrcode::render::svg;
    use qrcode::{EcLevel, QrCode};
    let Ok(code) = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M) else {
        return String::new();
    };
    let svg = code
        .render::<svg::Color>()
        .min_dimensions(160, 160)
        .quiet_zone(true)
        .dark_color(svg::Color("#000"))
        .light_color(svg::Color("#fff"))
        .build();
    // The renderer writes a standalone file; inline SVG needs no XML prolog.
    let start = svg.find("<svg").unwrap_or(0);
    svg[start..].replacen(
        "<svg ",
        &format!(
            "<svg class=\"qr\" role=\"img\" aria-label=\"{}\" ",
            super::text::esc(label)
        ),
        1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn upi_link_percent_encodes_every_parameter() {
        let link = upi_link("shop@upi", "A & B Repairs", d("1234.5"), "INV 1/2");
        assert_eq!(
            link,
            "upi://pay?pa=shop@upi&pn=A%20%26%20B%20Repairs&am=1234.50&cu=INR&tn=INV%201%2F2"
        );
        // Non-ASCII is encoded byte by byte as UTF-8; '=' and '?' never leak.
        let link = upi_link("a@b", "Café=?#", d("1"), "x");
        assert!(link.contains("pn=Caf%C3%A9%3D%3F%23&"));
        assert!(link.contains("am=1.00&"));
        // Rounded to the paisa, half away from zero.
        assert!(upi_link("a@b", "n", d("10.005"), "x").contains("am=10.01&"));
    }

    #[test]
    fn qr_svg_is_inline_svg() {
        let svg = qr_svg("upi://pay?pa=a@b&am=1.00");
        assert!(svg.starts_with("<svg class=\"qr\""));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("<path"));
        assert!(qr_svg(&"x".repeat(10_000)).is_empty());
    }
}
