# Weighted reference values of the health-2024 example study, from R `survey`.
#
# Run from the repository root (R 4.2.2, survey 4.1.1):
#     python tests/test_second_study.py              # writes clean.csv (hand-cleaned respondents)
#     Rscript tests/reference/health-2024/reference.R
# Writes values.csv (quantity, value, the R call that gave it) and weights.csv
# (respondent_id, raked weight); tests/test_second_study.py reads both, and R is not
# needed to run the tests.
#
# The design is the plan's (analysis/health-2024.yaml, weighting `default`): respondents
# whose sex is 1 or 2 are raked on region, age band and sex to the plan's targets, with
# population totals = target x n so that the weights sum to n (the package's scale).

suppressPackageStartupMessages(library(survey))

here <- file.path("tests", "reference", "health-2024")
d <- read.csv(file.path(here, "clean.csv"), stringsAsFactors = FALSE)
d <- d[d$sex %in% c(1, 2), ]
n <- nrow(d)
d$one <- 1

targets <- list(
  region = c(0.262, 0.244, 0.166, 0.098, 0.230),
  age_band = c(0.225, 0.283, 0.319, 0.173),
  sex = c(0.494, 0.506)
)
margins <- lapply(names(targets), function(v) {
  m <- data.frame(seq_along(targets[[v]]), targets[[v]] * n)
  names(m) <- c(v, "Freq")
  m
})

unweighted <- svydesign(ids = ~1, weights = ~one, data = d)
raked <- rake(unweighted, list(~region, ~age_band, ~sex), margins,
              control = list(maxit = 100, epsilon = 1e-12))
d$w <- weights(raked)
weighted <- svydesign(ids = ~1, weights = ~w, data = d)

# Bounded raking as the plan declares it (bounds: [0.25, 4.0]): the bounds do not bind,
# so calibrate() gives the same weights as rake().
population <- c(`(Intercept)` = n,
                setNames(targets$region[-1] * n, paste0("factor(region)", 2:5)),
                setNames(targets$age_band[-1] * n, paste0("factor(age_band)", 2:4)),
                setNames(targets$sex[-1] * n, "factor(sex)2"))
bounded <- calibrate(unweighted, ~factor(region) + factor(age_band) + factor(sex), population,
                     calfun = "raking", bounds = c(0.25, 4), maxit = 100, epsilon = 1e-12)

rows <- list()
add <- function(quantity, value, call) {
  rows[[length(rows) + 1]] <<- data.frame(quantity = quantity, value = format(value, digits = 17),
                                          r_call = call, stringsAsFactors = FALSE)
}
rake_call <- paste("rake(svydesign(ids=~1, weights=~one, data=subset(d, sex %in% 1:2)),",
                   "list(~region, ~age_band, ~sex), margins(target*n), control=list(maxit=100, epsilon=1e-12))")
add("n_weighted", n, "nrow(subset(d, sex %in% 1:2))")
add("weight_min", min(d$w), paste("min(weights(", rake_call, "))"))
add("weight_max", max(d$w), paste("max(weights(", rake_call, "))"))
add("weight_sum", sum(d$w), "sum(weights(raked))")
add("kish_deff", n * sum(d$w^2) / sum(d$w)^2, "n * sum(w^2) / sum(w)^2, w = weights(raked)")
add("bounded_max_abs_diff", max(abs(weights(bounded) - d$w)),
    "max(abs(weights(calibrate(design, ~factor(region)+factor(age_band)+factor(sex), population, calfun='raking', bounds=c(0.25, 4))) - weights(raked)))")

for (y in c("insured", "has_usual_source", "unmet_need", "good_health", "care_when_needed")) {
  f <- as.formula(paste0("~", y))
  cal <- svymean(f, raked, na.rm = TRUE)
  plain <- svymean(f, weighted, na.rm = TRUE, deff = "replace")
  ci <- svyciprop(f, subset(weighted, !is.na(d[[y]])), method = "logit")
  add(paste0(y, ".estimate"), coef(cal)[[1]], sprintf("coef(svymean(~%s, raked, na.rm=TRUE))", y))
  add(paste0(y, ".se_calibrated"), SE(cal)[[1]], sprintf("SE(svymean(~%s, raked, na.rm=TRUE))", y))
  add(paste0(y, ".se_weights_only"), SE(plain)[[1]],
      sprintf("SE(svymean(~%s, svydesign(ids=~1, weights=~w), na.rm=TRUE))", y))
  add(paste0(y, ".deff"), deff(plain)[[1]],
      sprintf("deff(svymean(~%s, svydesign(ids=~1, weights=~w), na.rm=TRUE, deff='replace'))", y))
  add(paste0(y, ".ci_low"), attr(ci, "ci")[[1]],
      sprintf("attr(svyciprop(~%s, subset(svydesign(ids=~1, weights=~w), !is.na(%s)), method='logit'), 'ci')[1]", y, y))
  add(paste0(y, ".ci_high"), attr(ci, "ci")[[2]],
      sprintf("attr(svyciprop(~%s, subset(svydesign(ids=~1, weights=~w), !is.na(%s)), method='logit'), 'ci')[2]", y, y))
}

for (x in c("household_size", "age", "access_score")) {
  f <- as.formula(paste0("~", x))
  cal <- svymean(f, raked, na.rm = TRUE)
  plain <- svymean(f, weighted, na.rm = TRUE)
  add(paste0(x, ".mean"), coef(cal)[[1]], sprintf("coef(svymean(~%s, raked, na.rm=TRUE))", x))
  add(paste0(x, ".se_calibrated"), SE(cal)[[1]], sprintf("SE(svymean(~%s, raked, na.rm=TRUE))", x))
  add(paste0(x, ".se_weights_only"), SE(plain)[[1]],
      sprintf("SE(svymean(~%s, svydesign(ids=~1, weights=~w), na.rm=TRUE))", x))
}

write.csv(do.call(rbind, rows), file.path(here, "values.csv"), row.names = FALSE)
write.csv(data.frame(respondent_id = d$respondent_id, weight = format(d$w, digits = 17)),
          file.path(here, "weights.csv"), row.names = FALSE, quote = FALSE)
