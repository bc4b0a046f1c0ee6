# Reference values for tests/test_weighting.py and tests/test_inference.py, from R `survey`.
# Run from the repository root:  Rscript tests/reference/weighting/reference.R
# Reads small.csv, large.csv (made by make_large.py), targets.csv, poststrata.csv;
# writes weights.csv, results.csv and difference.csv beside them, numbers as
# format(x, digits = 17).
suppressMessages(library(survey))
here <- "tests/reference/weighting"
rd <- function(f) read.csv(file.path(here, f))
full <- function(x) format(x, digits = 17)
targets <- rd("targets.csv")
ctrl <- list(maxit = 100, epsilon = 1e-12)

margins_of <- function(ds, n) {
  t <- targets[targets$dataset == ds, ]
  vars <- unique(t$variable)
  pops <- lapply(vars, function(v) {
    s <- t[t$variable == v, ]
    p <- data.frame(s$category, Freq = s$target * n)
    names(p)[1] <- v
    p
  })
  list(sample = lapply(vars, function(v) as.formula(paste("~", v))), population = pops)
}

# svydesign(ids = ~1, weights = ~w) and rake() on it, weights summing to n
raked_design <- function(d, ds, base) {
  des <- svydesign(ids = ~1, weights = as.formula(paste("~", base)), data = d)
  m <- margins_of(ds, nrow(d))
  rake(des, m$sample, m$population, control = ctrl)
}

results <- list()
add <- function(ds, item, design, quantity, value) {
  results[[length(results) + 1]] <<- data.frame(dataset = ds, item = item, design = design,
                                               quantity = quantity, value = full(value))
}

estimate_all <- function(ds, des, design, items) {
  for (item in items) {
    f <- as.formula(paste("~", item))
    m <- svymean(f, des, na.rm = TRUE, deff = "replace")
    add(ds, item, design, "estimate", coef(m)[[1]])
    add(ds, item, design, "se", SE(m)[[1]])
    add(ds, item, design, "deff", deff(m)[[1]])
    sub <- eval(bquote(subset(des, !is.na(.(as.name(item))))))
    # logit: svyglm drops the NA rows itself; the domain's degrees of freedom come from subset().
    # beta: on subset() of a *calibrated* design svymean sees the NA rows and returns NA, so
    # use na.rm = TRUE on the whole design (for weights-only designs both routes agree).
    ci <- attr(svyciprop(f, sub, method = "logit"), "ci")
    add(ds, item, design, "logit_low", ci[[1]])
    add(ds, item, design, "logit_high", ci[[2]])
    ci <- attr(svyciprop(f, des, method = "beta", na.rm = TRUE), "ci")
    add(ds, item, design, "beta_low", ci[[1]])
    add(ds, item, design, "beta_high", ci[[2]])
  }
}

weights_out <- list()
for (ds in c("small", "large")) {
  d <- rd(paste0(ds, ".csv"))
  d$one <- 1
  base <- if (ds == "large") "w0" else "one"
  items <- if (ds == "large") c("y1", "y2") else "y"
  raked <- raked_design(d, ds, base)
  d$raked <- weights(raked)
  w <- data.frame(dataset = ds, id = d$id, rake = full(d$raked), poststratify = NA)
  estimate_all(ds, svydesign(ids = ~1, weights = ~one, data = d), "unweighted", items)
  estimate_all(ds, svydesign(ids = ~1, weights = ~raked, data = d), "weights", items)
  estimate_all(ds, raked, "raked", items)
  if (ds == "large") estimate_all(ds, svydesign(ids = ~1, weights = ~w0, data = d), "base", items)
  if (ds == "small") {
    pop <- rd("poststrata.csv")
    pop$Freq <- pop$target * nrow(d)
    pop$target <- NULL
    ps <- postStratify(svydesign(ids = ~1, weights = ~one, data = d), ~sex + region, pop)
    w$poststratify <- full(weights(ps))
  }
  weights_out[[ds]] <- w
}
write.csv(do.call(rbind, weights_out), file.path(here, "weights.csv"), row.names = FALSE, quote = FALSE)
write.csv(do.call(rbind, results), file.path(here, "results.csv"), row.names = FALSE, quote = FALSE)

# Wave-over-wave change: waves stacked with wave as stratum, so the two estimates are independent
d <- rd("large.csv")
stacked <- svydesign(ids = ~1, strata = ~wave, weights = ~w0, data = d)
diffs <- list()
for (item in c("y1", "y2")) {
  # svyby(..., na.rm = TRUE, covmat = TRUE) fails on missing values in R survey 4.1;
  # subset() gives the same domain (each wave keeps its full n in the SE)
  sub <- eval(bquote(subset(stacked, !is.na(.(as.name(item))))))
  by <- svyby(as.formula(paste("~", item)), ~wave, sub, svymean, covmat = TRUE)
  con <- svycontrast(by, c(-1, 1))
  est <- coef(con)[[1]]
  se <- SE(con)[[1]]
  diffs[[item]] <- data.frame(item = item, estimate = full(est), se = full(se),
                              p_value = full(2 * pnorm(-abs(est / se))))
}
write.csv(do.call(rbind, diffs), file.path(here, "difference.csv"), row.names = FALSE, quote = FALSE)
