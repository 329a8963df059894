"""One function per kind of figure.

Every ``plot_*`` function takes ``ax=None`` (drawing on ``plt.gca()`` when it is None), draws
the result it is given, and returns the Axes. None calls ``plt.show()`` or changes global
state; :func:`set_style` is the one exception, called once in a notebook's first cell.
"""

from helpers.plotting._style import CLASS_COLORS, class_colors, set_style
from helpers.plotting.attacks import (
    plot_accuracy_under_attack,
    plot_norm_agreement,
    plot_perturbation_sizes,
    plot_pixel_ranges,
)
from helpers.plotting.density import plot_log_density_histograms
from helpers.plotting.digits import (
    HIDDEN_AXES,
    format_probability,
    plot_activation_bounds,
    plot_confidence_ceiling,
    plot_digit,
    plot_digit_grid,
    plot_digit_sample,
    plot_fooling_images,
    plot_hidden_layer,
    plot_loss_curves,
)
from helpers.plotting.exact import plot_attack_gaps, plot_minimal_changes
from helpers.plotting.images import plot_perturbed_digit
from helpers.plotting.remedies import plot_confidence_along_rays, plot_evaluation_table
from helpers.plotting.robust import plot_robust_accuracy, plot_three_numbers
from helpers.plotting.regions import (
    plot_decision_regions,
    plot_doubt_along_rays,
    plot_observations,
    plot_probability_contours,
    plot_probability_map,
    plot_uncertainty_region,
)

__all__ = [
    "CLASS_COLORS",
    "class_colors",
    "set_style",
    "HIDDEN_AXES",
    "format_probability",
    "plot_activation_bounds",
    "plot_confidence_ceiling",
    "plot_digit",
    "plot_digit_sample",
    "plot_fooling_images",
    "plot_hidden_layer",
    "plot_loss_curves",
    "plot_accuracy_under_attack",
    "plot_attack_gaps",
    "plot_minimal_changes",
    "plot_digit_grid",
    "plot_norm_agreement",
    "plot_perturbation_sizes",
    "plot_pixel_ranges",
    "plot_decision_regions",
    "plot_doubt_along_rays",
    "plot_log_density_histograms",
    "plot_observations",
    "plot_perturbed_digit",
    "plot_probability_contours",
    "plot_probability_map",
    "plot_uncertainty_region",
    "plot_confidence_along_rays",
    "plot_evaluation_table",
    "plot_robust_accuracy",
    "plot_three_numbers",
]
