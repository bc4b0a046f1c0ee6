# Reference values for tests/test_ccg_reference.py: the CCG wave-1 outputs recomputed in R.
# Run from the repository root:  Rscript tests/reference/ccg/reference.R   (R 4.2, survey 4.1.1).  Reads wave1.csv (make_data.py); writes, numbers with 17 significant digits:
#  weights.csv   row (1-based, wave1.csv), weight:
#                weights(rake(svydesign(ids = ~1, weights = ~1, data = inside), list(~country,
#                ~country_gender, ~country_age), totals = n * target, control = list(maxit = 100,
#                epsilon = 1e-12)))   [inside: country in 1:2 and gender in 1:2, the plan's scope]
#  tests.csv     per question (and multi-select option) x banner variable:
#                chisq.test(table(q, b), correct = FALSE) on every respondent with a substantive
#                answer and a banner code; svychisq(~q + b, subset(svydesign(ids = ~1,
#                weights = ~weight, data = inside), q %in% substantive & !is.na(b)),
#                statistic = "F") and statistic = "Chisq"; `refused` holds R's error when it stops.
#  glm.csv       per published indicator: glm(y ~ factor(country) + ... + factor(participated_q),
#                family = binomial, control = glm.control(epsilon = 1e-14, maxit = 100)) and
#                svyglm(..., design = inside design, family = quasibinomial, same control);
#                terms of a category whose outcome is constant (their estimate is infinite) are
#                flagged, and the model is refitted without the respondents of those categories.
suppressMessages(library(survey))
here <- "tests/reference/ccg"
g17 <- function(x) sprintf("%.17g", x)
d <- read.csv(file.path(here, "wave1.csv"))
d$row <- seq_len(nrow(d))
d$gender[d$gender == 9] <- NA
d$education[d$education == 9] <- NA
d$age_2way <- ifelse(d$age_band == 1, 1, 2)
inside <- d[d$country %in% 1:2 & d$gender %in% 1:2, ]
n <- nrow(inside)
pops <- list(data.frame(country = 1:2, Freq = n * c(0.5, 0.5)),
             data.frame(country_gender = c(11, 12, 21, 22), Freq = n * c(0.2562, 0.2438, 0.2435, 0.2565)),
             data.frame(country_age = c(11:14, 21:24),
                        Freq = n * c(0.0885, 0.1005, 0.0930, 0.2180, 0.1025, 0.0865, 0.0780, 0.2330)))
raked <- rake(svydesign(ids = ~1, weights = ~1, data = inside), list(~country, ~country_gender, ~country_age),
              pops, control = list(maxit = 100, epsilon = 1e-12))
inside$weight <- weights(raked)
write.csv(data.frame(row = inside$row, weight = g17(inside$weight)), file.path(here, "weights.csv"),
          row.names = FALSE, quote = FALSE)
des <- svydesign(ids = ~1, weights = ~weight, data = inside)

banners <- c("country", "gender", "age_band", "education", "sector", "ties", "participated_q", "age_2way")
singles <- list(solidarity_q = 1:5, nongov_q = 1:5, support_q = 1:5, awareness_q = 1:4, relations_q = 1:5,
                media_more_q = 1:5, positive_role_q = 1:5, participated_q = 1:2, plan_future_q = 1:2)
options <- paste0("how_participated_", 1:5)
one_test <- function(question, option, q, b, codes) {
  keep <- d[[q]] %in% codes & !is.na(d[[b]])
  tab <- table(d[[q]][keep], d[[b]][keep])
  tab <- tab[rowSums(tab) > 0, colSums(tab) > 0, drop = FALSE]
  out <- data.frame(question = question, banner = b, option = option, pearson_chi2 = NA, pearson_df = NA,
                    pearson_p = NA, min_expected = NA, rao_scott_f = NA, rao_scott_df1 = NA,
                    rao_scott_df2 = NA, rao_scott_p = NA, rao_scott_chisq = NA, rao_scott_chisq_p = NA,
                    refused = "")
  if (min(dim(tab)) < 2) return(out)
  x <- suppressWarnings(chisq.test(tab, correct = FALSE))
  out[, c("pearson_chi2", "pearson_df", "pearson_p", "min_expected")] <-
    c(g17(x$statistic), g17(x$parameter), g17(x$p.value), g17(min(x$expected)))
  sub <- eval(bquote(subset(des, .(as.name(q))  %in% codes & !is.na(.(as.name(b))))))
  f <- as.formula(paste0("~", q, "+", b))
  rs <- tryCatch(list(svychisq(f, sub, statistic = "F"), svychisq(f, sub, statistic = "Chisq")),
                 error = function(e) conditionMessage(e))
  if (is.character(rs)) { out$refused <- gsub("[\n,]", " ", rs); return(out) }
  out[, c("rao_scott_f", "rao_scott_df1", "rao_scott_df2", "rao_scott_p", "rao_scott_chisq", "rao_scott_chisq_p")] <-
    c(g17(rs[[1]]$statistic), g17(rs[[1]]$parameter[["ndf"]]), g17(rs[[1]]$parameter[["ddf"]]),
      g17(rs[[1]]$p.value), g17(rs[[2]]$statistic), g17(rs[[2]]$p.value))
  out
}
tests <- list()
for (q in names(singles)) for (b in banners) if (q != b) tests[[length(tests) + 1]] <- one_test(q, "", q, b, singles[[q]])
for (o in options) for (b in banners) tests[[length(tests) + 1]] <- one_test("how_participated", o, o, b, 0:1)
write.csv(do.call(rbind, tests), file.path(here, "tests.csv"), row.names = FALSE, quote = FALSE)

# --- logistic regressions of the published indicators on the banner variables together
items <- c("solidarity", "nongov_necessary", "support", "no_idea", "relations_affect", "media_more",
           "positive_role", "participated", "plan_future")
xs <- banners[1:7]
fits <- list()
for (weighted in c(FALSE, TRUE)) for (item in items) {
  data <- if (weighted) inside else d
  cc <- data[complete.cases(data[, c(item, xs)]), ]
  for (v in xs) cc[[v]] <- factor(cc[[v]])
  f <- as.formula(paste(item, "~", paste(xs, collapse = " + ")))
  # separated terms: categories whose outcome is constant (a constant reference category: complete)
  infinite <- character(0); drop <- rep(FALSE, nrow(cc)); complete <- FALSE
  for (v in xs) {
    share <- tapply(cc[[item]], cc[[v]], mean)
    constant <- names(share)[share %in% c(0, 1)]
    if (levels(cc[[v]])[1] %in% constant) complete <- TRUE
    extra <- setdiff(constant, levels(cc[[v]])[1])
    if (length(extra)) infinite <- c(infinite, paste0(v, extra))
    drop <- drop | cc[[v]] %in% constant
  }
  flagged <- if (length(infinite)) data.frame(weighted = weighted, item = item, term = infinite, coef = NA,
                                               se = NA, p_value = NA, n = NA, separation = TRUE) else NULL
  if (complete) { fits[[length(fits) + 1]] <- flagged; next }
  kept <- droplevels(cc[!drop, ])
  ctrl <- glm.control(epsilon = 1e-14, maxit = 100)
  if (weighted) {
    sdes <- subset(des, complete.cases(inside[, c(item, xs)]))
    sdes <- subset(sdes, !(inside$row[complete.cases(inside[, c(item, xs)])] %in% cc$row[drop]))
    for (v in xs) sdes$variables[[v]] <- factor(sdes$variables[[v]])
    fit <- svyglm(f, design = sdes, family = quasibinomial(), control = ctrl)
  } else fit <- glm(f, data = kept, family = binomial(), control = ctrl)
  s <- summary(fit)$coefficients
  fits[[length(fits) + 1]] <- rbind(flagged, data.frame(weighted = weighted, item = item, term = rownames(s),
      coef = g17(s[, 1]), se = g17(s[, 2]), p_value = g17(s[, 4]), n = sum(!drop), separation = FALSE))
}
write.csv(do.call(rbind, fits), file.path(here, "glm.csv"), row.names = FALSE, quote = FALSE)
