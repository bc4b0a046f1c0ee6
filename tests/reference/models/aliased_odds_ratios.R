# Reference of tests/test_models.py::test_aliased_terms_give_na_with_a_note
# Rscript tests/reference/models/aliased_odds_ratios.R (R 4.2)
# With few respondents two banner variables' dummies coincide: R glm gives the later
# coefficient as NA ("not defined because of singularities") and fits the others without it.
# glm.control(epsilon = 1e-10): at 1e-14 glm's QR tolerance (min(1e-7, epsilon/1000)) no longer
# sees the aliasing and the IRLS diverges.
y <- c(1,0,1,1,0,0,1,0,1,1,0,1)
a <- factor(c(1,1,1,2,2,2,3,3,3,3,2,1))
b <- factor(c(1,1,1,2,2,2,1,1,1,1,2,1))   # b=2 is exactly a=2
f <- glm(y ~ a + b, family = binomial, control = glm.control(epsilon = 1e-10, maxit = 100))
print(coef(f), digits = 15)               # a2 -2.19722457733028, a3 5.4e-16, b2 NA
print(sqrt(diag(vcov(f))), digits = 15)   # a2 1.63299175530967, a3 1.63299175530967
