# Reference values for tests/test_ccg_reference.py: the CCG run's statistics recomputed in R.
# Run from the repository root (R 4.2, survey 4.1.1, lpSolve):
#   python tests/reference/ccg/make_data.py && Rscript tests/reference/ccg/reference.R
# Reads input/wave<k>.csv (make_data.py: the coded columns of each wave's respondents.csv).
# Numbers are written with 12 significant digits ("NA": R gives none).  Per wave k in 1, 2:
#   d       every respondent; banner codes gender 9 and education 9 (non-substantive) are NA;
#           age_2way = 1 if age_band == 1 else 2; country_gender = 10 country + gender;
#           country_age = 10 country + age_band4.
#   inside  d[country %in% 1:2 & gender %in% 1:2, ]: the plan's weighting scope.
#   raked   rake(svydesign(ids = ~1, weights = ~1, data = inside), list(~country, ~country_gender,
#           ~country_age), population = n * the plan's targets, control = list(maxit = 100,
#           epsilon = 1e-12));  des = svydesign(ids = ~1, weights = ~weight, data = inside) with
#           weight = weights(raked).  w0 = weight inside, 0 outside.
# Files:
#   weights.csv      wave, country_gender, country_age, n, weight: weights(raked), one value per cell
#                    (raking gives every respondent of a cell the same weight).
#   cells.csv        wave, question, banner, row_code, col_code, count, weighted_count:
#                    table(q, b) and xtabs(w0 ~ q + b) over all codes of q (a net row is the sum
#                    of its codes' rows: not written); banner "Total": table(q), xtabs(w0 ~ q) of every respondent;
#                    multi-select options: sums of the ticks among respondents asked.
#   bases.csv        wave, question, banner, col_code, base, weighted_n, weighted_base, ticks,
#                    weighted_ticks: respondents with a substantive answer (multi-select: asked) in
#                    the column, of them those in `inside`, sum(w0); multi-select: ticks of all options.
#   tests.csv        wave, question, banner, option, then for tab = table(q, b) over substantive codes,
#                    banner code not NA, empty rows and columns dropped:
#                    x = chisq.test(tab, correct = FALSE): pearson_chi2, pearson_df, pearson_p,
#                    min_expected = min(x$expected); cramers_v = sqrt(X2 / (n (min(dim) - 1)));
#                    fisher_p = fisher.test(tab)$p.value (2 x 2 tables); pearson_rows/cols/n =
#                    dim(tab), sum(tab); sub = subset(des, q %in% substantive & !is.na(b)):
#                    svychisq(~q + b, sub, statistic = "F") -> rao_scott_f, _df1 (ndf), _df2 (ddf),
#                    _p; statistic = "Chisq" -> rao_scott_chisq, _chisq_p; rao_scott_rows/cols/n:
#                    the distinct values of q and b in sub, nrow(sub); refused: svychisq's error.
#   glm.csv          wave, weighted, item, term, coef, se, p_value, odds_ratio, ci_low, ci_high, n,
#                    iterations, separation: per published indicator y on the 7 banner variables
#                    (factors), complete cases.  Separation: Konis's (2007) linear programme
#                    (lpSolve::lp) run until it finds no new respondent predicted perfectly; the
#                    terms of categories all of whose respondents are predicted are flagged (NA), and
#                    every term of a variable whose reference category is (its odds ratios are
#                    against an infinite log-odds; R's refit relevels it); the intercept is not written.
#                    Without those respondents: glm(y ~ ..., family = binomial, control =
#                    glm.control(epsilon = 1e-14, maxit = 100)) (unweighted, on d) and svyglm(y ~ ...,
#                    subset(des, complete & not predicted), family = quasibinomial, same control)
#                    (weighted); summary(fit)$coefficients; odds_ratio = exp(coef); ci =
#                    exp(confint.default(fit)) (glm) and exp(confint(fit)) (svyglm: Wald with
#                    qt(0.975, df.residual)); iterations = fit$iter; n = respondents fitted.
#   agreement_by.csv wave, item, banner, category, estimate, n_base, ci_low, ci_high = mean, n and
#                    prop.test(x, n, correct = FALSE)$conf.int (Wilson) of the respondents with an
#                    answer in the category; s = subset(des, b == category & !is.na(y)):
#                    m = svymean(~y, s, deff = "replace") -> weighted_estimate, weighted_se, deff;
#                    n_eff = nrow(s) / deff; weighted_ci = confint(svyciprop(~y, subset(des, b ==
#                    category), method = "xlogit", na.rm = TRUE)) (as svyby(~y, ~b, des, svyciprop,
#                    ..., na.rm = TRUE): t on the category's respondents - 1 df), or
#                    binom.test(x, n)$conf.int where the estimate is 0 or 1 (weighted_ci_method
#                    "beta": svyciprop has no interval there).  "xlogit": expit(logit(p) +- t se /
#                    (p (1 - p))) by svycontrast; method = "logit" is its limit, reached by an svyglm
#                    run at glm's default epsilon = 1e-8 (it differs from "xlogit" by up to 2e-8).
#   indicators.csv   wave, item, as agreement_by over all respondents (the headlines and trends):
#                    estimate, n_base, ci_low, ci_high (Wilson); m = svymean(~y, des, na.rm = TRUE,
#                    deff = "replace") -> weighted_estimate, weighted_se, deff, n_eff = n_base / deff;
#                    calibrated_se = SE(svymean(~y, raked, na.rm = TRUE)); weighted_ci =
#                    confint(svyciprop(~y, subset(des, !is.na(y)), method = "xlogit")).
#   changes.csv      item, change, se, p_value: svycontrast(svyby(~y, ~wave, subset(svydesign(ids = ~1,
#                    strata = ~wave, weights = ~weight, data = rbind(inside of wave 1, of wave 2)),
#                    !is.na(y)), svymean, covmat = TRUE), c(-1, 1)), p = 2 pnorm(-|change / se|).
suppressMessages({library(survey); library(lpSolve)})
here <- "tests/reference/ccg"
num <- function(x) ifelse(is.na(x), "NA", sprintf("%.12g", x))
save <- function(rows, name) {
  out <- do.call(rbind, rows)
  for (k in names(out)) if (is.numeric(out[[k]]) && !all(out[[k]] == round(out[[k]]), na.rm = TRUE)) out[[k]] <- num(out[[k]])
  write.csv(out, file.path(here, name), row.names = FALSE, quote = FALSE, na = "NA")
}
targets <- list(country = c(`1` = 0.5, `2` = 0.5),
                country_gender = c(`11` = 0.2562, `12` = 0.2438, `21` = 0.2435, `22` = 0.2565),
                country_age = c(`11` = 0.0885, `12` = 0.1005, `13` = 0.0930, `14` = 0.2180,
                                `21` = 0.1025, `22` = 0.0865, `23` = 0.0780, `24` = 0.2330))
banners <- list(country = 1:3, gender = 1:3, age_band = 1:5, education = 1:5, sector = 1:8, ties = 1:3,
                participated_q = 1:2, age_2way = 1:2)
# substantive codes, all codes
singles <- list(solidarity_q = list(1:5, c(1:5, 9)), nongov_q = list(1:5, c(1:5, 9)), support_q = list(1:5, c(1:5, 9)),
                awareness_q = list(1:4, 1:4), relations_q = list(1:5, c(1:5, 9)), media_more_q = list(1:5, c(1:5, 9)),
                positive_role_q = list(1:5, c(1:5, 9)), participated_q = list(1:2, 1:2),
                plan_future_q = list(1:2, c(1, 2, 9)))
items <- c("solidarity", "nongov_necessary", "support", "no_idea", "relations_affect", "media_more",
           "positive_role", "participated", "plan_future")
xs <- names(banners)[1:7]
ctrl <- glm.control(epsilon = 1e-14, maxit = 100)

load_wave <- function(k) {
  d <- read.csv(file.path(here, "input", sprintf("wave%d.csv", k)))
  d$gender[d$gender == 9] <- NA
  d$education[d$education == 9] <- NA
  d$age_2way <- ifelse(d$age_band == 1, 1, 2)
  d$country_gender <- 10 * d$country + d$gender
  d$country_age <- 10 * d$country + d$age_band4
  d$row <- seq_len(nrow(d))
  inside <- d[d$country %in% 1:2 & d$gender %in% 1:2, ]
  n <- nrow(inside)
  pops <- lapply(names(targets), function(v) setNames(data.frame(as.numeric(names(targets[[v]])), n * targets[[v]]),
                                                      c(v, "Freq")))
  raked <- rake(svydesign(ids = ~1, weights = ~1, data = inside), lapply(names(targets), function(v) reformulate(v)),
                pops, control = list(maxit = 100, epsilon = 1e-12))
  inside$weight <- weights(raked)
  d$w0 <- 0
  d$w0[inside$row] <- inside$weight
  list(d = d, inside = inside, raked = raked, des = svydesign(ids = ~1, weights = ~weight, data = inside))
}

weight_cells <- function(k, W) {
  cells <- aggregate(weight ~ country_gender + country_age, W$inside, function(w) c(length(w), min(w), max(w)))
  stopifnot(all(cells$weight[, 3] - cells$weight[, 2] <= 1e-14 * cells$weight[, 3]))
  data.frame(wave = k, country_gender = cells$country_gender, country_age = cells$country_age,
             n = cells$weight[, 1], weight = cells$weight[, 2])
}

# --- crosstabs: cells and bases
table_rows <- function(k, question, banner, codes, q, b, w, base_rows) {
  bcodes <- if (is.null(banner)) "Total" else banners[[banner]]
  col <- if (is.null(banner)) factor(rep("Total", length(q))) else factor(b, levels = bcodes)
  cnt <- table(factor(q, levels = codes), col)
  wct <- xtabs(w ~ factor(q, levels = codes) + col)
  cells <- data.frame(wave = k, question = question, banner = if (is.null(banner)) "Total" else banner,
                      row_code = rep(rownames(cnt), times = ncol(cnt)), col_code = rep(colnames(cnt), each = nrow(cnt)),
                      count = as.vector(cnt), weighted_count = as.vector(wct))
  in_base <- base_rows & !is.na(col)
  bases <- data.frame(wave = k, question = question, banner = cells$banner[1], col_code = levels(col),
                      base = as.vector(table(col[in_base])), weighted_n = as.vector(table(col[in_base & w > 0])),
                      weighted_base = as.vector(tapply(c(w[in_base], rep(0, nlevels(col))),
                                                       c(col[in_base], factor(levels(col), levels = levels(col))), sum)))
  list(cells = cells, bases = bases)
}

multi_rows <- function(k, question, banner, options, W) {
  d <- W$d
  asked <- rowSums(is.na(d[options])) == 0
  bcodes <- if (is.null(banner)) "Total" else banners[[banner]]
  col <- if (is.null(banner)) factor(rep("Total", nrow(d))) else factor(d[[banner]], levels = bcodes)
  keep <- asked & !is.na(col)
  ticks <- sapply(options, function(o) tapply(c(d[[o]][keep], rep(0, nlevels(col))),
                                              c(col[keep], factor(levels(col), levels = levels(col))), sum))
  wticks <- sapply(options, function(o) tapply(c(d[[o]][keep] * d$w0[keep], rep(0, nlevels(col))),
                                               c(col[keep], factor(levels(col), levels = levels(col))), sum))
  ticks <- matrix(ticks, nrow = nlevels(col)); wticks <- matrix(wticks, nrow = nlevels(col))
  cells <- data.frame(wave = k, question = question, banner = if (is.null(banner)) "Total" else banner,
                      row_code = rep(options, each = nlevels(col)), col_code = rep(levels(col), times = length(options)),
                      count = as.vector(ticks), weighted_count = as.vector(wticks))
  bases <- data.frame(wave = k, question = question, banner = cells$banner[1], col_code = levels(col),
                      base = as.vector(table(col[keep])), weighted_n = as.vector(table(col[keep & d$w0 > 0])),
                      weighted_base = as.vector(tapply(c(d$w0[keep], rep(0, nlevels(col))),
                                                       c(col[keep], factor(levels(col), levels = levels(col))), sum)),
                      ticks = rowSums(ticks), weighted_ticks = rowSums(wticks))
  list(cells = cells, bases = bases)
}

# --- tests of independence
one_test <- function(k, question, option, q, b, codes, W) {
  d <- W$d
  keep <- d[[q]] %in% codes & !is.na(d[[b]])
  tab <- table(d[[q]][keep], d[[b]][keep])
  tab <- tab[rowSums(tab) > 0, colSums(tab) > 0, drop = FALSE]
  out <- data.frame(wave = k, question = question, banner = b, option = option, pearson_chi2 = NA, pearson_df = NA,
                    pearson_p = NA, min_expected = NA, cramers_v = NA, fisher_p = NA, pearson_rows = nrow(tab),
                    pearson_cols = ncol(tab), pearson_n = sum(tab), rao_scott_f = NA, rao_scott_df1 = NA,
                    rao_scott_df2 = NA, rao_scott_p = NA, rao_scott_chisq = NA, rao_scott_chisq_p = NA,
                    rao_scott_rows = NA, rao_scott_cols = NA, rao_scott_n = NA, refused = "")
  sub <- eval(bquote(subset(W$des, .(as.name(q)) %in% codes & !is.na(.(as.name(b))))))
  out[, c("rao_scott_rows", "rao_scott_cols", "rao_scott_n")] <-
    c(length(unique(sub$variables[[q]])), length(unique(sub$variables[[b]])), nrow(sub))
  if (min(dim(tab)) < 2) return(out)
  x <- suppressWarnings(chisq.test(tab, correct = FALSE))
  out[, c("pearson_chi2", "pearson_df", "pearson_p", "min_expected", "cramers_v")] <-
    c(x$statistic, x$parameter, x$p.value, min(x$expected), sqrt(x$statistic / (sum(tab) * (min(dim(tab)) - 1))))
  if (all(dim(tab) == 2)) out$fisher_p <- fisher.test(tab)$p.value
  f <- as.formula(paste0("~", q, "+", b))
  rs <- tryCatch(list(svychisq(f, sub, statistic = "F"), svychisq(f, sub, statistic = "Chisq")),
                 error = function(e) conditionMessage(e))
  if (is.character(rs)) { out$refused <- gsub("[\n,]", " ", rs); return(out) }
  out[, c("rao_scott_f", "rao_scott_df1", "rao_scott_df2", "rao_scott_p", "rao_scott_chisq", "rao_scott_chisq_p")] <-
    c(rs[[1]]$statistic, rs[[1]]$parameter[["ndf"]], rs[[1]]$parameter[["ddf"]], rs[[1]]$p.value,
      rs[[2]]$statistic, rs[[2]]$p.value)
  out
}

# --- logistic regressions
predicted <- function(x, y) {
  # Konis (2007): maximise sum s_i x_i'b subject to s_i x_i'b >= 0, -1 <= b <= 1, s = 2y - 1, and
  # again over the respondents not yet found, until none is new: those with s_i x_i'b > 0 are
  # predicted perfectly by some direction (the directions form a convex cone).
  s <- 2 * y - 1
  a <- cbind(x, -x) * s
  found <- rep(FALSE, nrow(x))
  repeat {
    sol <- lp("max", colSums(a[!found, , drop = FALSE]), rbind(a, diag(2 * ncol(x))),
              c(rep(">=", nrow(x)), rep("<=", 2 * ncol(x))), c(rep(0, nrow(x)), rep(1, 2 * ncol(x))))
    new <- (a %*% sol$solution) > 1e-7 & !found
    if (sol$status != 0 || !any(new)) break
    found <- found | new
  }
  found
}

fit_models <- function(k, W) {
  rows <- list()
  for (weighted in c(FALSE, TRUE)) for (item in items) {
    data <- if (weighted) W$inside else W$d
    cc <- data[complete.cases(data[, c(item, xs)]), ]
    for (v in xs) cc[[v]] <- factor(cc[[v]])
    f <- as.formula(paste(item, "~", paste(xs, collapse = " + ")))
    x <- model.matrix(f, cc)
    drop <- predicted(x, cc[[item]])
    gone <- colnames(x)[-1][colSums(x[!drop, -1, drop = FALSE]) == 0]  # no respondent left in the category
    # a reference category predicted perfectly: every odds ratio against it is infinite
    lost <- xs[sapply(xs, function(v) !(levels(cc[[v]])[1] %in% cc[[v]][!drop]))]
    lost_terms <- setdiff(colnames(x)[-1][Reduce(`|`, lapply(lost, function(v) startsWith(colnames(x)[-1], v)),
                                                 rep(FALSE, ncol(x) - 1))], gone)
    gone <- c(gone, lost_terms)
    flagged <- if (length(gone)) data.frame(wave = k, weighted = weighted, item = item, term = gone, coef = NA, se = NA,
                                            p_value = NA, odds_ratio = NA, ci_low = NA, ci_high = NA, n = NA,
                                            iterations = NA, separation = TRUE) else NULL
    rest <- droplevels(cc[!drop, ])
    if (length(unique(rest[[item]])) < 2) {  # complete separation: every term
      rows[[length(rows) + 1]] <- data.frame(wave = k, weighted = weighted, item = item, term = colnames(x)[-1],
                                             coef = NA, se = NA, p_value = NA, odds_ratio = NA, ci_low = NA,
                                             ci_high = NA, n = NA, iterations = NA, separation = TRUE)
      next
    }
    if (weighted) {
      sdes <- W$des[W$inside$row %in% rest$row, ]
      for (v in xs) sdes$variables[[v]] <- factor(sdes$variables[[v]])
      fit <- svyglm(f, design = sdes, family = quasibinomial(), control = ctrl)
      ci <- exp(confint(fit))
    } else {
      fit <- glm(f, data = rest, family = binomial(), control = ctrl)
      ci <- exp(confint.default(fit))
    }
    s <- summary(fit)$coefficients[-1, , drop = FALSE]  # the intercept is not reported
    s <- s[!Reduce(`|`, lapply(lost, function(v) startsWith(rownames(s), v)), rep(FALSE, nrow(s))), , drop = FALSE]
    rows[[length(rows) + 1]] <- rbind(flagged, data.frame(
      wave = k, weighted = weighted, item = item, term = rownames(s), coef = s[, 1], se = s[, 2], p_value = s[, 4],
      odds_ratio = exp(s[, 1]), ci_low = ci[rownames(s), 1], ci_high = ci[rownames(s), 2], n = nrow(rest),
      iterations = fit$iter, separation = FALSE))
  }
  rows
}

# --- proportions
logit_ci <- function(s, y, x, n, p) {
  if (p %in% c(0, 1)) return(c(binom.test(x, n)$conf.int, NA))
  ci <- eval(bquote(confint(svyciprop(~.(as.name(y)), s, method = "xlogit", na.rm = TRUE))))
  c(ci[1], ci[2], 1)
}

domain_row <- function(W, item, keep, inside_keep, interval_rows) {
  y <- W$d[[item]][keep]
  x <- sum(y); n <- length(y)
  wilson <- if (n > 0) suppressWarnings(prop.test(x, n, correct = FALSE)$conf.int) else c(NA, NA)
  out <- data.frame(estimate = if (n > 0) x / n else NA, n_base = n, ci_low = wilson[1], ci_high = wilson[2],
                    weighted_estimate = NA, weighted_se = NA, weighted_ci_low = NA, weighted_ci_high = NA,
                    weighted_ci_method = "", deff = NA, n_eff = NA)
  if (!any(inside_keep)) return(out)
  s <- W$des[inside_keep, ]
  m <- eval(bquote(svymean(~.(as.name(item)), s, deff = "replace")))
  p <- coef(m)[[1]]
  ci <- logit_ci(W$des[interval_rows, ], item, sum(s$variables[[item]]), nrow(s), p)
  out[, c("weighted_estimate", "weighted_se", "weighted_ci_low", "weighted_ci_high", "deff", "n_eff")] <-
    c(p, SE(m)[[1]], ci[1], ci[2], deff(m)[[1]], nrow(s) / deff(m)[[1]])
  out$weighted_ci_method <- if (is.na(ci[3])) "beta" else "logit"
  out
}

agreement_rows <- function(k, W) {
  rows <- list()
  for (item in items) for (b in names(banners)) for (cat in sort(unique(na.omit(W$d[[b]])))) {
    keep <- !is.na(W$d[[b]]) & W$d[[b]] == cat & !is.na(W$d[[item]])
    inside_keep <- !is.na(W$inside[[b]]) & W$inside[[b]] == cat & !is.na(W$inside[[item]])
    in_category <- !is.na(W$inside[[b]]) & W$inside[[b]] == cat
    rows[[length(rows) + 1]] <- cbind(data.frame(wave = k, item = item, banner = b, category = cat),
                                      domain_row(W, item, keep, inside_keep, in_category))
  }
  rows
}

indicator_rows <- function(k, W) {
  lapply(items, function(item) {
    r <- domain_row(W, item, !is.na(W$d[[item]]), !is.na(W$inside[[item]]), !is.na(W$inside[[item]]))
    m <- eval(bquote(svymean(~.(as.name(item)), W$des, na.rm = TRUE, deff = "replace")))
    cal <- eval(bquote(svymean(~.(as.name(item)), W$raked, na.rm = TRUE)))
    r$weighted_se <- SE(m)[[1]]
    r$deff <- deff(m)[[1]]
    r$n_eff <- sum(!is.na(W$inside[[item]])) / deff(m)[[1]]
    cbind(data.frame(wave = k, item = item), r, calibrated_se = SE(cal)[[1]])
  })
}

change_rows <- function(waves) {
  stacked <- rbind(cbind(waves[[1]]$inside[, c(items, "weight")], wave = 1),
                   cbind(waves[[2]]$inside[, c(items, "weight")], wave = 2))
  des <- svydesign(ids = ~1, strata = ~wave, weights = ~weight, data = stacked)
  lapply(items, function(item) {
    by <- eval(bquote(svyby(~.(as.name(item)), ~wave, subset(des, !is.na(.(as.name(item)))), svymean, covmat = TRUE)))
    ch <- svycontrast(by, c(-1, 1))
    data.frame(item = item, change = coef(ch)[[1]], se = SE(ch)[[1]], p_value = 2 * pnorm(-abs(coef(ch)[[1]] / SE(ch)[[1]])))
  })
}

out <- list(weights = list(), cells = list(), bases = list(), tests = list(), glm = list(), agreement = list(),
            indicators = list())
waves <- list()
for (k in 1:2) {
  W <- load_wave(k)
  waves[[k]] <- W
  out$weights[[k]] <- weight_cells(k, W)
  options <- grep("^how_participated_[0-9]+$", names(W$d), value = TRUE)
  options <- options[colSums(!is.na(W$d[options])) > 0]
  for (q in names(singles)) for (b in c(list(NULL), as.list(names(banners)))) {
    if (!is.null(b) && b == q) next
    spec <- singles[[q]]
    t <- table_rows(k, q, b, spec[[2]], W$d[[q]], if (is.null(b)) NULL else W$d[[b]], W$d$w0,
                    W$d[[q]] %in% spec[[1]])
    out$cells[[length(out$cells) + 1]] <- t$cells
    out$bases[[length(out$bases) + 1]] <- cbind(t$bases, ticks = NA, weighted_ticks = NA)
  }
  for (b in c(list(NULL), as.list(names(banners)))) {
    t <- multi_rows(k, "how_participated", b, options, W)
    out$cells[[length(out$cells) + 1]] <- t$cells
    out$bases[[length(out$bases) + 1]] <- t$bases
  }
  for (q in names(singles)) for (b in names(banners)) if (q != b)
    out$tests[[length(out$tests) + 1]] <- one_test(k, q, "", q, b, singles[[q]][[1]], W)
  for (o in options) for (b in names(banners))
    out$tests[[length(out$tests) + 1]] <- one_test(k, "how_participated", o, o, b, 0:1, W)
  out$glm <- c(out$glm, fit_models(k, W))
  out$agreement <- c(out$agreement, agreement_rows(k, W))
  out$indicators <- c(out$indicators, indicator_rows(k, W))
}
save(out$weights, "weights.csv")
save(out$cells, "cells.csv")
save(out$bases, "bases.csv")
save(out$tests, "tests.csv")
save(out$glm, "glm.csv")
save(out$agreement, "agreement_by.csv")
save(out$indicators, "indicators.csv")
save(change_rows(waves), "changes.csv")
