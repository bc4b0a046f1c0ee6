# Reference values of survey.stats.estimates.weighted_mean / weighted_median / numeric_summary.
# Rscript reference.R  (in tests/reference/numeric; R 4.2, survey 4.1) writes results.csv.
# The design holds the respondents with a weight (w NA: outside the weighted population);
# a missing y is outside the domain but stays in the design (na.rm = TRUE).
suppressMessages(library(survey))
d <- read.csv("data.csv")
inside <- d[!is.na(d$w), ]
design <- svydesign(ids = ~1, weights = ~w, data = inside)
m <- svymean(~y, design, na.rm = TRUE)
q <- svyquantile(~y, design, 0.5, na.rm = TRUE)  # qrule = "math" (the default)
yy <- d$y[!is.na(d$y)]
out <- data.frame(
  statistic = c("weighted_mean", "weighted_se", "weighted_median", "mean", "sd", "median", "n"),
  call = c("coef(svymean(~y, design, na.rm = TRUE))", "SE(svymean(~y, design, na.rm = TRUE))",
           "coef(svyquantile(~y, design, 0.5, na.rm = TRUE))", "mean(y, na.rm = TRUE)",
           "sd(y, na.rm = TRUE)", "median(y, na.rm = TRUE)", "sum(!is.na(y))"),
  value = c(unname(coef(m)), unname(SE(m)), unname(coef(q)), mean(yy), sd(yy), median(yy), length(yy))
)
write.csv(format(out, digits = 17), "results.csv", row.names = FALSE, quote = TRUE)
