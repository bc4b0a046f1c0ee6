# Reference values for tests/test_crosstabs.py and tests/test_models.py.
# Run from this folder: Rscript reference.R   (R 4.2, survey 4.1 from Debian)
# Inputs: small.csv, large.csv (made by make_data.py).  Outputs, numbers with
# 17 significant digits: svychisq.csv, svyby.csv, svyglm.csv.
suppressMessages(library(survey))
g17 <- function(x) sprintf("%.17g", x)

small <- read.csv("small.csv")
large <- read.csv("large.csv")

# --- Rao-Scott tests: svychisq on the design subset to the table's respondents
# (substantive row code and a banner code), as subset() of the full design.
chisq_rows <- function(name, data, weighted, substantive) {
  data$one <- 1
  des <- if (weighted) svydesign(ids = ~1, weights = ~w, data = data)
         else svydesign(ids = ~1, weights = ~one, data = data)
  sub <- subset(des, row %in% substantive & !is.na(col))
  f <- svychisq(~row + col, sub, statistic = "F")
  x <- svychisq(~row + col, sub, statistic = "Chisq")
  data.frame(case = name, weighted = weighted,
             f = g17(f$statistic), df1 = g17(f$parameter[["ndf"]]),
             df2 = g17(f$parameter[["ddf"]]), f_p = g17(f$p.value),
             chisq = g17(x$statistic), chisq_df = g17(x$parameter[["df"]]),
             chisq_p = g17(x$p.value))
}
chisq <- rbind(
  chisq_rows("small", small, TRUE, 1:3),
  chisq_rows("small", small, FALSE, 1:3),
  chisq_rows("large", large, TRUE, 1:3),
  chisq_rows("large", large, FALSE, 1:3)
)
write.csv(chisq, "svychisq.csv", row.names = FALSE, quote = FALSE)

# --- Domain proportions: svyby(~y, ~banner, svymean, na.rm = TRUE) on the full
# design (svyby keeps every respondent, zero-weighting those outside a domain)
# and the logit interval of svyciprop in the same domains.
des <- svydesign(ids = ~1, weights = ~w, data = large)
by_rows <- list()
for (y in c("y1", "y2", "y3")) for (b in c("a", "b")) {
  m <- svyby(as.formula(paste0("~", y)), as.formula(paste0("~", b)), des, svymean, na.rm = TRUE)
  ci <- svyby(as.formula(paste0("~", y)), as.formula(paste0("~", b)), des, svyciprop,
              method = "logit", vartype = "ci", na.rm = TRUE)
  by_rows[[length(by_rows) + 1]] <- data.frame(
    item = y, banner = b, category = m[[b]], estimate = g17(m[[y]]), se = g17(SE(m)),
    ci_low = g17(ci$ci_l), ci_high = g17(ci$ci_u))
}
write.csv(do.call(rbind, by_rows), "svyby.csv", row.names = FALSE, quote = FALSE)

# --- Logistic regression: svyglm quasibinomial (weighted) and glm binomial
# (unweighted), y1 on factor(a) + factor(b), complete cases, run to convergence
# (control = glm.control(epsilon = 1e-14, maxit = 100)); ci: exp(confint(sg)) (Wald, qt on the
# residual df) and exp(confint.default(ug)) (Wald, qnorm); iterations: fit$iter.
large$fa <- factor(large$a); large$fb <- factor(large$b)
des <- svydesign(ids = ~1, weights = ~w, data = large)
ctrl <- glm.control(epsilon = 1e-14, maxit = 100)
sg <- svyglm(y1 ~ fa + fb, design = des, family = quasibinomial(), control = ctrl)
ug <- glm(y1 ~ fa + fb, data = large, family = binomial(), control = ctrl)
glm_rows <- function(fit, weighted) {
  s <- summary(fit)$coefficients
  ci <- exp(if (weighted) confint(fit) else confint.default(fit))
  data.frame(weighted = weighted, term = rownames(s), coef = g17(s[, 1]), se = g17(s[, 2]),
             p_value = g17(s[, 4]), ci_low = g17(ci[, 1]), ci_high = g17(ci[, 2]), n = length(fit$residuals),
             iterations = fit$iter)
}
write.csv(rbind(glm_rows(sg, TRUE), glm_rows(ug, FALSE)), "svyglm.csv", row.names = FALSE, quote = FALSE)
