//! Resource quantities (`500m`, `1Gi`, `2e3`) as values: parsed, compared and printed in the
//! canonical form `resource.Quantity.String()` gives, which is what kube stores and what its
//! validation messages show (`must be less than or equal to cpu limit of 500m`).
//!
//! Values are held exactly as a count of nano-units (an `i128`), which covers every quantity a
//! pod can sensibly carry; anything finer is rounded up to the nano-unit, as apimachinery does.

use std::cmp::Ordering;

use serde_json::Value;

/// How a quantity was written, which decides how it prints back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    DecimalSi,
    BinarySi,
    DecimalExponent,
}

/// A parsed quantity: `nanos` × 10⁻⁹, plus the format it was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quantity {
    pub nanos: i128,
    pub format: Format,
}

const NANO: i128 = 1_000_000_000;

impl Quantity {
    /// Parses a quantity string; `None` when it is not one (the decoder reports that case).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (neg, rest) = match s.as_bytes().first()? {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, suffix) = rest.split_at(num_end);
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return None;
        }
        let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
        // mantissa × 10^exp10 × 2^exp2
        let (exp10, exp2, format): (i32, u32, Format) = match suffix {
            "" => (0, 0, Format::DecimalSi),
            "n" => (-9, 0, Format::DecimalSi),
            "u" => (-6, 0, Format::DecimalSi),
            "m" => (-3, 0, Format::DecimalSi),
            "k" => (3, 0, Format::DecimalSi),
            "M" => (6, 0, Format::DecimalSi),
            "G" => (9, 0, Format::DecimalSi),
            "T" => (12, 0, Format::DecimalSi),
            "P" => (15, 0, Format::DecimalSi),
            "E" => (18, 0, Format::DecimalSi),
            "Ki" => (0, 10, Format::BinarySi),
            "Mi" => (0, 20, Format::BinarySi),
            "Gi" => (0, 30, Format::BinarySi),
            "Ti" => (0, 40, Format::BinarySi),
            "Pi" => (0, 50, Format::BinarySi),
            "Ei" => (0, 60, Format::BinarySi),
            e if e.starts_with(['e', 'E']) => {
                let exp: i32 = e[1..].parse().ok()?;
                (exp, 0, Format::DecimalExponent)
            }
            _ => return None,
        };
        // Digits as an integer scaled by 10^-frac_len, then to nanos.
        let digits = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        let mut mantissa: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().ok()?
        };
        mantissa = mantissa.checked_mul(1i128 << exp2)?;
        let scale = exp10 + 9 - frac_part.len() as i32;
        let nanos = if scale >= 0 {
            mantissa.checked_mul(10i128.checked_pow(scale as u32)?)?
        } else {
            let div = 10i128.checked_pow((-scale) as u32).unwrap_or(i128::MAX);
            // Round away from zero, as Quantity rounds up to its smallest scale.
            let q = mantissa / div;
            if mantissa % div != 0 { q + 1 } else { q }
        };
        Some(Self {
            nanos: if neg { -nanos } else { nanos },
            format,
        })
    }

    /// A quantity as JSON carries it: a string, or a bare number.
    pub fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::String(s) => Self::parse(s),
            Value::Number(n) => Self::parse(&n.to_string()),
            _ => None,
        }
    }

    /// Rounds up to a multiple of 10^scale (scale ≥ -9), as `Quantity.RoundUp`.
    pub fn round_up(self, scale: i32) -> Self {
        let step = 10i128.pow((scale + 9).max(0) as u32);
        let r = self.nanos % step;
        let nanos = if r == 0 {
            self.nanos
        } else if self.nanos > 0 {
            self.nanos - r + step
        } else {
            self.nanos - r
        };
        Self { nanos, ..self }
    }

    pub fn is_negative(&self) -> bool {
        self.nanos < 0
    }

    /// Whether the value is a whole number of units.
    pub fn is_integer(&self) -> bool {
        self.nanos % NANO == 0
    }

    /// The canonical text, as `Quantity.String()`.
    pub fn canonical(&self) -> String {
        if self.nanos == 0 {
            return "0".to_string();
        }
        let mut format = self.format;
        if format == Format::BinarySi && (self.nanos.abs() < 1024 * NANO || self.nanos % NANO != 0)
        {
            format = Format::DecimalSi;
        }
        if format == Format::BinarySi {
            let mut n = self.nanos / NANO;
            let mut exp = 0;
            while exp < 6 && n % 1024 == 0 {
                n /= 1024;
                exp += 1;
            }
            let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][exp];
            return format!("{n}{suffix}");
        }
        // Largest exponent (a multiple of 3, from -9) that keeps the mantissa whole.
        let mut n = self.nanos;
        let mut exp = -9;
        while n % 1000 == 0 && (format == Format::DecimalExponent || exp < 18) {
            n /= 1000;
            exp += 3;
        }
        let suffix = match format {
            Format::DecimalExponent => {
                if exp == 0 {
                    String::new()
                } else {
                    format!("e{exp}")
                }
            }
            _ => match exp {
                -9 => "n",
                -6 => "u",
                -3 => "m",
                3 => "k",
                6 => "M",
                9 => "G",
                12 => "T",
                15 => "P",
                18 => "E",
                _ => "",
            }
            .to_string(),
        };
        format!("{n}{suffix}")
    }
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.nanos.cmp(&other.nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        Quantity::parse(s)
            .map(|q| q.canonical())
            .unwrap_or_default()
    }

    #[test]
    fn canonical_forms_match_apimachinery() {
        assert_eq!(canon("1000m"), "1");
        assert_eq!(canon("0.5"), "500m");
        assert_eq!(canon("1500"), "1500");
        assert_eq!(canon("2000"), "2k");
        assert_eq!(canon("1Gi"), "1Gi");
        assert_eq!(canon("1024Mi"), "1Gi");
        assert_eq!(canon("1536Mi"), "1536Mi");
        assert_eq!(canon("512Ki"), "512Ki");
        assert_eq!(canon("100Mi"), "100Mi");
        assert_eq!(canon("0.5Gi"), "512Mi");
        assert_eq!(canon("1e3"), "1e3");
        assert_eq!(canon("128974848"), "128974848");
        assert_eq!(canon("129e6"), "129e6");
        assert_eq!(canon("123Mi"), "123Mi");
        assert_eq!(canon("0"), "0");
        assert_eq!(canon("-1"), "-1");
        assert_eq!(canon("100m"), "100m");
        assert_eq!(canon("1M"), "1M");
    }

    #[test]
    fn compares_across_formats() {
        let a = Quantity::parse("1Gi").unwrap_or(Quantity {
            nanos: 0,
            format: Format::DecimalSi,
        });
        let b = Quantity::parse("1G").unwrap_or(a);
        assert!(a > b);
        assert_eq!(
            Quantity::parse("1").map(|q| q.nanos),
            Quantity::parse("1000m").map(|q| q.nanos)
        );
        assert!(Quantity::parse("1.5.5").is_none());
        assert!(Quantity::parse("abc").is_none());
    }

    #[test]
    fn rounds_up_to_milli() {
        let q = Quantity::parse("0.0001").map(|q| q.round_up(-3).canonical());
        assert_eq!(q.as_deref(), Some("1m"));
    }
}
