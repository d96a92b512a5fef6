"""cnn101.plotting: the package re-exports every name its submodules define."""

import importlib
import pkgutil
import subprocess
import sys

import pytest

from cnn101 import plotting


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("pyramids", "show_pyramid"),
        ("receptive_field", "show_dilated_kernel"),
        ("alignment", "show_alignment"),
    ],
)
def test_the_figures_answer_only_in_plotting(module, name):
    """The measurement modules' old paths of their figures are removed (0.3.0)."""
    old = importlib.import_module(f"cnn101.{module}")
    with pytest.raises(AttributeError, match=f"has no attribute '{name}'"):
        getattr(old, name)
    assert name in plotting.__all__


def _defined_in(module):
    """The public functions and classes ``module`` defines (not those it imports)."""
    return {
        n
        for n, obj in vars(module).items()
        if not n.startswith("_")
        and callable(obj)
        and getattr(obj, "__module__", None) == module.__name__
    }


def test_plotting_all_lists_its_public_names():
    """Every public name of the package is defined in one of its public submodules, and
    only one; the package defines nothing itself and re-exports each under the same name.
    (``_axes`` holds the helpers the figure modules share: not the package's API.)"""
    submodules = [
        importlib.import_module(f"{plotting.__name__}.{m.name}")
        for m in pkgutil.iter_modules(plotting.__path__)
        if not m.name.startswith("_")
    ]
    homes = {}
    for module in submodules:
        names = _defined_in(module)
        for name in names:
            assert name not in homes, f"{name} is defined in {homes[name]} and {module.__name__}"
            homes[name] = module.__name__
        assert sorted(module.__all__) == sorted(names), module.__name__
    assert not _defined_in(plotting), "the package only re-exports"
    assert set(homes) | {"MAX_FIGURE_WIDTH"} == set(plotting.__all__)
    for name, home in homes.items():
        assert getattr(plotting, name) is getattr(sys.modules[home], name)
    assert plotting.MAX_FIGURE_WIDTH is plotting._axes.MAX_FIGURE_WIDTH


def test_both_import_forms_give_the_same_objects():
    namespace = {}
    exec("from cnn101.plotting import *", namespace)  # the star import under test
    assert {n: namespace[n] for n in plotting.__all__} == {
        n: getattr(plotting, n) for n in plotting.__all__
    }
    from cnn101.plotting import show_alignment, show_image

    assert show_image is plotting.images.show_image
    assert show_alignment is plotting.alignment.show_alignment


def test_importing_plotting_loads_no_tensorflow():
    """The figures of the alignment tables import cnn101.alignment (and TensorFlow) only
    when called, so that importing the package stays light."""
    code = "import sys, cnn101.plotting; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "False\n"
