"""Shared, tested code for the *pity-the-fool* notebook series.

The package is split by what the code does, so a reader can find any piece in one place:

- ``helpers.data`` — loaders that return tidy, named data (Iris petals, MNIST digits).
- ``helpers.models`` — the series' model configurations, seeded.
- ``helpers.grids`` — class probabilities on 2-D grids and the geometry of linear softmax regions.
- ``helpers.gradients`` — exact input gradients (logit Jacobians, log-loss gradients) of fitted
  linear models and ``MLPClassifier``, for a whole batch.
- ``helpers.attacks`` — ways to fool a model: the exact minimal perturbation of a linear model,
  and FGSM, PGD, DeepFool, the one-pixel attack and valid fool images.
- ``helpers.remedies`` — remedies as classifiers: Meinke and Hein's in/out densities, the
  density-gated generative classifier, an RBF SVM on a network's hidden layer.
- ``helpers.ood`` — how sure a model is far away (Hein et al. 2019) and on images from elsewhere.
- ``helpers.adaptive`` — fools made for a remedy: input gradients through densities, searches.
- ``helpers.plotting`` — one function per kind of figure; each takes ``ax=None`` and returns the Axes.

Computation modules never import ``helpers.plotting``.
"""

__version__ = "0.1.0"
