"""The NumPyro checks: one module per rule, registered here in code order."""

from __future__ import annotations

from types import ModuleType

from numpyro_lsp.rules import (
    centered_hierarchical_site,
    device_setup_after_jax,
    discrete_latent_under_hmc,
    duplicate_site,
    literal_violates_constraint,
    loop_instead_of_plate,
    numpy_in_model,
    numpy_random_in_model,
    observed_data_in_predictive,
    param_under_mcmc,
    plate_shape_mismatch,
    prng_key_reuse,
    pyro_habits,
    real_latent_as_positive_parameter,
    sample_in_plain_call,
    sample_without_rng_key,
    svi_result_unpacked,
    traced_control_flow,
    unknown_name,
    unknown_site_name,
    vague_prior,
    wrong_arguments,
)
from numpyro_lsp.rules.base import Rule

RULE_MODULES: tuple[ModuleType, ...] = (
    sample_without_rng_key,
    numpy_in_model,
    numpy_random_in_model,
    pyro_habits,
    traced_control_flow,
    duplicate_site,
    loop_instead_of_plate,
    real_latent_as_positive_parameter,
    unknown_name,
    wrong_arguments,
    literal_violates_constraint,
    centered_hierarchical_site,
    discrete_latent_under_hmc,
    param_under_mcmc,
    prng_key_reuse,
    device_setup_after_jax,
    observed_data_in_predictive,
    plate_shape_mismatch,
    vague_prior,
    unknown_site_name,
    svi_result_unpacked,
    sample_in_plain_call,
)


def rule_from_module(module: ModuleType) -> Rule:
    return Rule(
        code=module.CODE,
        name=module.NAME,
        severity=module.SEVERITY,
        check=getattr(module, "check", None),
        doc=module.__doc__ or "",
        enabled_by_default=getattr(module, "ENABLED_BY_DEFAULT", True),
        check_chunk=getattr(module, "check_chunk", None),
    )


def build_registry(modules: tuple[ModuleType, ...]) -> dict[str, Rule]:
    registry: dict[str, Rule] = {}
    for module in modules:
        rule = rule_from_module(module)
        if rule.code in registry:
            raise ValueError(f"rule code {rule.code} is used twice ({module.__name__})")
        registry[rule.code] = rule
    return registry


RULES = build_registry(RULE_MODULES)
