// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The output of NCCL's `all_reduce_perf`: data rows of `size count type redop root`
//! followed by out-of-place `time algbw busbw #wrong` and in-place `time algbw busbw
//! #wrong`, plus a `# Avg bus bandwidth : X` summary.

/// What a run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Result {
    /// The highest bus bandwidth of any row, in or out of place (GB/s).
    pub peak_busbw: f64,
    /// The summary line's average, when present.
    pub average_busbw: Option<f64>,
    /// Rows with a non-zero `#wrong` column.
    pub wrong: usize,
    pub rows: usize,
    /// The first bus bandwidth that parsed as a number but is not finite (`inf`,
    /// `nan`, `1e999`): a run reporting one has no meaningful result.
    pub non_finite: Option<String>,
}

/// Parses `all_reduce_perf` output; `None` when it holds no data row.
pub fn parse(text: &str) -> Option<Result> {
    let mut peak: Option<f64> = None;
    let mut wrong = 0;
    let mut rows = 0;
    let mut average = None;
    let mut non_finite = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix('#') {
            if let Some((_, value)) = rest.split_once("Avg bus bandwidth") {
                average = value
                    .trim_start_matches([' ', ':'])
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<f64>().ok())
                    .filter(|v| v.is_finite());
            }
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        // size count type redop root | time algbw busbw #wrong | time algbw busbw #wrong
        if fields.len() < 13 || fields[0].parse::<u64>().is_err() {
            continue;
        }
        rows += 1;
        for (busbw, bad) in [(fields[7], fields[8]), (fields[11], fields[12])] {
            match busbw.parse::<f64>() {
                Ok(bw) if bw.is_finite() => peak = Some(peak.map_or(bw, |p: f64| p.max(bw))),
                Ok(_) => {
                    non_finite.get_or_insert_with(|| busbw.to_owned());
                }
                Err(_) => {}
            }
            if bad != "0" && bad != "N/A" {
                wrong += 1;
            }
        }
    }
    if peak.is_none() && non_finite.is_none() {
        return None;
    }
    Some(Result {
        // A run whose every bandwidth is non-finite has no peak; it fails on
        // `non_finite` before the peak is read.
        peak_busbw: peak.unwrap_or(0.0),
        average_busbw: average,
        wrong,
        rows,
        non_finite,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "\
# nThread 1 nGpus 8 minBytes 8 maxBytes 8589934592 step: 2(factor) warmup iters: 5 iters: 20
#
#                                                              out-of-place                       in-place
#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)
           8             2     float     sum      -1    35.12    0.00    0.00      0    34.88    0.00    0.00      0
  1073741824     268435456     float     sum      -1   5821.4  184.45  322.79      0   5810.9  184.78  323.36      0
  8589934592    2147483648     float     sum      -1    45901  187.14  327.49      0    45880  187.22  327.64      0
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 108.123
";

    #[test]
    fn rows_and_summary() {
        let r = parse(OUTPUT).unwrap();
        assert_eq!(r.rows, 3);
        assert!(
            (r.peak_busbw - 327.64).abs() < 1e-9,
            "the in-place column counts too"
        );
        assert_eq!(r.average_busbw, Some(108.123));
        assert_eq!(r.wrong, 0);
        assert!(parse("# nothing here\n").is_none());
        let bad = OUTPUT.replace("327.49      0", "327.49      3");
        assert_eq!(parse(&bad).unwrap().wrong, 1);
        assert_eq!(parse(OUTPUT).unwrap().non_finite, None);
    }

    #[test]
    fn non_finite_bandwidths_are_reported_not_taken_as_peaks() {
        for value in [
            "inf",
            "-inf",
            "NaN",
            "nan",
            "infinity",
            "+Infinity",
            "1e999",
        ] {
            let text = OUTPUT.replace("327.64", value);
            let r = parse(&text).unwrap();
            assert_eq!(r.non_finite.as_deref(), Some(value), "{value}");
            assert!(r.peak_busbw.is_finite(), "{value}: {}", r.peak_busbw);
            let only = format!("  8  2  float  sum  -1  1  1  {value}  0  1  1  {value}  0\n");
            assert_eq!(parse(&only).unwrap().non_finite.as_deref(), Some(value));
        }
        let average = OUTPUT.replace("108.123", "inf");
        assert_eq!(parse(&average).unwrap().average_busbw, None);
    }
}
