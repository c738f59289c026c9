"""Snapshots: a colony at one tick, written so that a resumed run goes on exactly as it was.

A snapshot is two files in ``OUT/snapshots``: ``tick-NNNNNN.npz`` (the world's arrays) and
``tick-NNNNNN.json`` (the genome table, species, measures, network and dynamics). Each is
written to a temporary file and renamed into place, the JSON last: a snapshot whose JSON exists
is whole, whatever moment a ``kill -9`` chose.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from petri.ecosystem.dynamics import DynamicsState
from petri.ecosystem.genomes import Genomes
from petri.ecosystem.judge import Batch
from petri.ecosystem.modes import Modes
from petri.ecosystem.network import Interactions
from petri.ecosystem.species import Speciator
from petri.ecosystem.world import Params, World
from petri.errors import ConfigError
from petri.runtime.store.files import write_atomic


@dataclass
class Colony:
    """Everything of a run that changes from tick to tick."""

    world: World
    genomes: Genomes
    species: Speciator
    species_of: list[int]  # genome index -> species id
    modes: Modes
    network: Interactions
    dynamics: DynamicsState
    counters: dict[str, int] = field(default_factory=dict)
    #: genomes being judged (not in snapshots: a restored colony sends its unjudged ones again)
    in_flight: Batch | None = None

    def digest(self) -> str:
        """A hash of the world's arrays and genome ids: equal colonies have equal digests."""
        h = hashlib.sha256()
        for name, array in sorted(self.world.arrays().items()):
            h.update(name.encode())
            h.update(np.ascontiguousarray(array).tobytes())
        h.update("\n".join(self.genomes.ids).encode())
        return h.hexdigest()[:16]


def save(folder: Path, colony: Colony) -> Path:
    """Write ``colony``'s snapshot into ``folder``; the path of its JSON part."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"tick-{colony.world.tick:06d}"
    buffer = io.BytesIO()
    save_arrays: Any = np.savez  # its stub types every keyword as allow_pickle
    save_arrays(buffer, **colony.world.arrays())
    fd, tmp = tempfile.mkstemp(prefix=".snapshot.", suffix=".tmp", dir=folder)
    with os.fdopen(fd, "wb") as out:
        out.write(buffer.getvalue())
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, stem.with_suffix(".npz"))
    state = {
        "params": colony.world.params.to_json(),
        "genomes": colony.genomes.to_json(),
        "species": colony.species.to_json(),
        "species_of": colony.species_of,
        "modes": colony.modes.to_json(),
        "network": colony.network.to_json(),
        "dynamics": colony.dynamics.to_json(),
        "counters": colony.counters,
    }
    path = stem.with_suffix(".json")
    write_atomic(path, [json.dumps(state) + "\n"])
    return path


def load(path: Path) -> Colony:
    """The colony saved at ``path`` (its JSON part); ConfigError when it is unreadable."""
    try:
        state: dict[str, Any] = json.loads(path.read_text())
        with np.load(path.with_suffix(".npz")) as data:
            arrays = {k: data[k] for k in data.files}
        return _colony(state, arrays)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"snapshot {path} cannot be read ({type(exc).__name__}: {exc}); "
            "start a new run with petri ecosystem"
        ) from exc


def _colony(state: dict[str, Any], arrays: dict[str, Any]) -> Colony:
    params = Params.from_json(state["params"])
    return Colony(
        world=World.from_arrays(params, arrays),
        genomes=Genomes.from_json(state["genomes"]),
        species=Speciator.from_json(state["species"]),
        species_of=[int(s) for s in state["species_of"]],
        modes=Modes.from_json(state["modes"]),
        network=Interactions.from_json(state["network"]),
        dynamics=DynamicsState.from_json(state["dynamics"]),
        counters={str(k): int(v) for k, v in state.get("counters", {}).items()},
    )
