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
}

/// Parses `all_reduce_perf` output; `None` when it holds no data row.
pub fn parse(text: &str) -> Option<Result> {
    let mut peak: Option<f64> = None;
    let mut wrong = 0;
    let mut rows = 0;
    let mut average = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix('#') {
            if let Some((_, value)) = rest.split_once("Avg bus bandwidth") {
                average = value
                    .trim_start_matches([' ', ':'])
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse().ok());
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
            if let Ok(bw) = busbw.parse::<f64>() {
                peak = Some(peak.map_or(bw, |p| p.max(bw)));
            }
            if bad != "0" && bad != "N/A" {
                wrong += 1;
            }
        }
    }
    peak.map(|peak_busbw| Result {
        peak_busbw,
        average_busbw: average,
        wrong,
        rows,
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
    }
}
