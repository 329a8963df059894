"""Shared, tested code for the *pity-the-fool* notebook series.

The package is split by what the code does, so a reader can find any piece in one place (the
full map and the rules are in ``helpers/README.md``):

- ``helpers.data`` — loaders that return tidy, named data (Iris petals, MNIST digits).
- ``helpers.models`` — the series' model configurations, seeded.
- ``helpers.fitcache`` — ``fit_once`` (re-exported by ``helpers.models``): a network trained once
  for the series, stored without pickle and checked before it is used again.
- ``helpers.linear`` — the class scores ``X @ W.T + b`` of a fitted linear classifier.
- ``helpers.grids`` — class probabilities on 2-D grids and the geometry of linear softmax regions.
- ``helpers.network`` — inside an ``MLPClassifier``: the one forward pass, inversion of identity
  networks, the confidence ceiling of tanh networks.
- ``helpers.gradients`` — exact input gradients (logit Jacobians, log-loss gradients) of fitted
  linear models and ``MLPClassifier``, for a whole batch.
- ``helpers.attacks`` — ways to fool a model: exact minimal changes of affine models (``exact``),
  FGSM, PGD and DeepFool (``gradient``), the one-pixel attack (``search``), valid fool images
  that say whether they reached their goal (``fool_images``), measurements over a data set
  (``evaluate``).
- ``helpers.density`` — class-conditional densities and the low-density test of fools.
- ``helpers.remedies`` — remedies as classifiers: Meinke and Hein's in/out densities, the
  density-gated generative classifier, an RBF SVM on a network's hidden layer.
- ``helpers.ood`` — how sure a model is far away (Hein et al. 2019) and on images from elsewhere.
- ``helpers.scorecard`` — the remedies notebook's one evaluation, and the models it evaluates.
- ``helpers.adaptive`` — fools made for a remedy: input gradients through densities, searches.
- ``helpers.fools`` — the best fool per class from every search, restarted where one stalls, and
  what a search that falls short may say ("search failed", never a bare number).
- ``helpers.plotting`` — one function per kind of figure; each takes ``ax=None`` and returns the Axes.

Computation modules never import ``helpers.plotting``.
"""

__version__ = "0.1.0"
