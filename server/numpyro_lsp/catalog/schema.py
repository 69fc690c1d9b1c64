"""The catalog's data model: plain data read from JSON, with the look-ups every feature needs.

Bump ``CATALOG_FORMAT`` whenever the builder writes something new, so caches made by an
older builder are rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from numpyro_lsp.environment import version_tuple

CATALOG_FORMAT = 3


@dataclass(frozen=True)
class Member:
    """What a dotted path names: a catalog module or a catalog object (exactly one is set)."""

    path: str
    module: dict | None = None
    obj: dict | None = None


@dataclass
class Catalog:
    numpyro_version: str
    modules: dict[str, dict]
    objects: dict[str, dict]
    # Every module of the numpyro package, scanned or not (``numpyro.contrib.hsgp``).
    package_modules: frozenset[str] = frozenset()
    # Every public path an object is reachable by, e.g. "numpyro.infer.hmc.NUTS" is not one,
    # "numpyro.infer.NUTS" is.
    _paths: dict[str, str] = field(default_factory=dict, repr=False)
    _defined: dict[str, str] = field(default_factory=dict, repr=False)
    # ``lookup``'s answers that name something: a check looks the same few paths up
    # thousands of times.
    _members: dict[str, Member] = field(default_factory=dict, repr=False)
    # ``derived``'s stores, by the name of what is kept.
    _derived: dict[str, dict] = field(default_factory=dict, repr=False)

    @property
    def release(self) -> tuple[int, ...]:
        """The numpyro version described, as numbers to compare (``(0, 22, 0)``)."""
        return version_tuple(self.numpyro_version)

    @classmethod
    def from_json(cls, data: dict) -> Catalog:
        catalog = cls(
            data["numpyro_version"],
            data["modules"],
            data["objects"],
            frozenset(data["package_modules"]),
        )
        for module_path, module in catalog.modules.items():
            for name, target in module["members"].items():
                catalog._paths[f"{module_path}.{name}"] = target
        return catalog

    @cached_property
    def capitalized_names(self) -> frozenset[str]:
        """The names of its objects that start with a capital letter (distributions,
        classes); computed once, not on every check that looks for near-misses of them."""
        return frozenset(o["name"] for o in self.objects.values() if o["name"][:1].isupper())

    def derived(self, kind: str) -> dict:
        """A store for what a feature works out once per catalog object (``kind`` names
        it): it lives and goes with this catalog, so a rebuilt one leaves nothing behind."""
        store = self._derived.get(kind)
        if store is None:
            store = self._derived.setdefault(kind, {})
        return store

    def lookup(self, path: str) -> Member | None:
        """The module or object a fully qualified dotted path names, if numpyro has it."""
        found = self._members.get(path)
        if found is not None:
            return found
        if path in self.modules:
            found = Member(path, module=self.modules[path])
        else:
            target = self._paths.get(path)
            if target is None:
                return None
            if target in self.modules:
                found = Member(target, module=self.modules[target])
            else:
                found = Member(target, obj=self.objects[target])
        self._members[path] = found
        return found

    def members(self, module_path: str) -> dict[str, Member]:
        module = self.modules.get(module_path)
        if module is None:
            return {}
        result = {}
        for name, target in module["members"].items():
            if target in self.modules:
                result[name] = Member(target, module=self.modules[target])
            else:
                result[name] = Member(target, obj=self.objects[target])
        return result

    def has_attribute(self, module_path: str, name: str) -> bool:
        """Whether ``module_path.name`` exists at run time (public or not)."""
        module = self.modules.get(module_path)
        return module is not None and name in module["attributes"]

    def submodules(self, module_path: str) -> list[str]:
        """Public names importable as ``module_path.<name>`` (for ``import numpyro.|``):
        scanned modules and the rest of the package (``numpyro.contrib.hsgp``)."""
        prefix = module_path + "."
        found = {
            p[len(prefix) :].split(".", 1)[0]
            for modules in (self.modules, self.package_modules)
            for p in modules
            if p.startswith(prefix)
        }
        return sorted(name for name in found if not name.startswith("_"))

    def has_module(self, path: str) -> bool:
        """Whether ``import path`` finds a module of this numpyro (0.22 has
        ``numpyro.contrib.hsgp``, and no ``numpyro.contrib.autoguide``)."""
        return path in self.package_modules or path in self.modules

    def path_for_full_name(self, full_name: str) -> str | None:
        """The catalog path of a name as jedi spells it (``numpyro.infer.hmc.NUTS``)."""
        if full_name in self.modules or full_name in self.objects:
            return full_name
        if not self._defined:
            self._defined.update({o["defined_in"]: key for key, o in self.objects.items()})
        return self._defined.get(full_name)

    def by_name(self, name: str) -> list[dict]:
        """Objects whose short name is ``name``: a bare name imported from somewhere."""
        return [o for o in self.objects.values() if o["name"] == name]
