# Reference values for survey.adhoc.mean (tests/test_adhoc.py).
# Input: age, country and weight of the wave-1 study (python: study.data[["age", "country"]].assign(weight=study.weights)),
# written to adhoc_mean.csv; run: Rscript mean.R adhoc_mean.csv
library(survey)
d <- read.csv(commandArgs(TRUE)[1])
w <- subset(d, !is.na(weight))
des_w <- svydesign(ids = ~1, weights = ~weight, data = w)
des_u <- svydesign(ids = ~1, weights = ~1, data = d)
show <- function(x) print(format(x, digits = 15))
show(cbind(coef(svymean(~age, des_w, na.rm = TRUE)), SE(svymean(~age, des_w, na.rm = TRUE))))
b <- svyby(~age, ~country, des_w, svymean, na.rm = TRUE); show(cbind(coef(b), SE(b)))
show(confint(svymean(~age, des_w, na.rm = TRUE)))
show(cbind(coef(svymean(~age, des_u, na.rm = TRUE)), SE(svymean(~age, des_u, na.rm = TRUE))))
b <- svyby(~age, ~country, des_u, svymean, na.rm = TRUE); show(cbind(coef(b), SE(b)))
