# Bounded raking reference values for tests/test_weighting.py and tests/test_inference.py, from
# R `survey` (4.1.1).  Run from the repository root:  Rscript tests/reference/weighting/bounded.R
# Reads large.csv and targets.csv; for each bounds b in (0, 1.8), (0.2, 1.6), (0.45, 1.9):
#   cal = calibrate(svydesign(ids = ~1, weights = ~d0, data = d), ~sex + age + region, population,
#                   calfun = "raking", bounds = b, epsilon = 1e-14, maxit = 200)
# with d0 = w0 rescaled to sum to n (the package's bounds are multiples of base weights that sum
# to n) and population = n, then n * target of categories 2.. of each margin (model.matrix order).
# Writes (numbers with 17 significant digits):
#   bounded.csv     bounds, sex, age, region, n, g: weights(cal) / d0, the same for every
#                   respondent of a cell (calibration gives g = F(x'lambda)); weight = d0 * g.
#   bounded_se.csv  bounds, estimate, se: svymean(~y1, cal, na.rm = TRUE) (calibrate's GREG
#                   linearisation).
# Bounds chosen where R's Newton iteration converges (it cycles on some tables: see README.md).
suppressMessages(library(survey))
here <- "tests/reference/weighting"
d <- read.csv(file.path(here, "large.csv"))
t <- read.csv(file.path(here, "targets.csv"))
t <- t[t$dataset == "large", ]
n <- nrow(d)
d$d0 <- d$w0 * n / sum(d$w0)
cells <- d[, c("sex", "age", "region")]
for (v in c("sex", "age", "region")) d[[v]] <- factor(d[[v]])
pop <- n
for (v in c("sex", "age", "region")) pop <- c(pop, n * t$target[t$variable == v][-1])
des <- svydesign(ids = ~1, weights = ~d0, data = d)
full <- function(x) sprintf("%.17g", x)
out <- list()
ses <- list()
for (b in list(c(0, 1.8), c(0.2, 1.6), c(0.45, 1.9))) {
  cal <- calibrate(des, ~sex + age + region, pop, calfun = "raking", bounds = b,
                   epsilon = 1e-14, maxit = 200)
  key <- paste(b, collapse = "-")
  g <- aggregate(list(g = weights(cal) / d$d0), cells, function(x) c(length(x), min(x), max(x)))
  stopifnot(all(g$g[, 3] - g$g[, 2] <= 1e-14 * g$g[, 3]))
  out[[key]] <- data.frame(bounds = key, g[, c("sex", "age", "region")], n = g$g[, 1], g = full(g$g[, 2]))
  m <- svymean(~y1, cal, na.rm = TRUE)
  ses[[key]] <- data.frame(bounds = key, estimate = full(coef(m)[[1]]), se = full(SE(m)[[1]]))
}
write.csv(do.call(rbind, out), file.path(here, "bounded.csv"), row.names = FALSE, quote = FALSE)
write.csv(do.call(rbind, ses), file.path(here, "bounded_se.csv"), row.names = FALSE, quote = FALSE)
