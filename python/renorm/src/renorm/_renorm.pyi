"""Type stubs of the native module ``renorm._renorm`` (rust/lib.rs). Use the typed wrappers in
``renorm`` instead; these are the raw calls they make."""

from os import PathLike
from typing import List, Optional, Sequence, Tuple, Union

__version__: str

class RenormError(Exception): ...
class InvalidInputError(RenormError): ...
class InternalError(RenormError): ...
class ClaimFailedError(RenormError): ...

class Report:
    """A result: its JSON document and every format the command writes."""

    @property
    def json(self) -> str: ...
    @property
    def formats(self) -> List[str]: ...
    def render(self, format: str) -> str: ...
    def write(self, path: Union[str, PathLike[str]], format: Optional[str] = None) -> List[str]: ...

def check(
    expr: str,
    spectral: Sequence[str],
    time: Optional[str] = None,
    kind: Optional[str] = None,
    weight: Optional[str] = None,
    params: Sequence[str] = ...,
    digits: int = 50,
    points: int = 8,
    scales: Tuple[int, int] = (-30, 30),
    max_digits: int = 2000,
) -> Report: ...
def check_spec(
    toml: str,
    origin: str = "<spec>",
    digits: int = 50,
    points: int = 8,
    scales: Tuple[int, int] = (-30, 30),
    max_digits: int = 2000,
) -> Report: ...
def identity(
    lhs: str, rhs: str, digits: int = 50, points: int = 8, max_digits: int = 2000, real: bool = False
) -> Report: ...
def conditions(
    npz: bytes, origin: str = "<arrays>", spec_toml: Optional[str] = None, spec_json: Optional[str] = None
) -> Report: ...
def rg_curve(alpha: str, beta: str, p_over_r: str, modes: Optional[int] = None, digits: int = 30) -> Report: ...
def rg_predict(
    model_toml: Optional[str] = None,
    model_json: Optional[str] = None,
    origin: str = "<model>",
    digits: int = 30,
    exact: bool = False,
) -> Report: ...
def set_engine(mode: str) -> None: ...
def engine() -> str: ...
def license_notice() -> Optional[str]: ...
