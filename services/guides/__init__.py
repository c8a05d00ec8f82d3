"""Rider guides: the compound route map (gates, buildings, opening hours) and the handbook.

Pure Python service layer: no database, bot or HTTP here.
"""

from .handbook import Handbook, HandbookError, Topic, load_handbook
from .opening_hours import OpeningHoursError, OpenState, Schedule, parse
from .osm_import import import_geojson
from .routes import (
    Building,
    Compound,
    Entrance,
    EntranceChoice,
    NearbyCompound,
    RouteData,
    RouteDataError,
    load_dir,
    validate_dir,
)
from .validate import Problem

__all__ = [
    "Building",
    "Compound",
    "Entrance",
    "EntranceChoice",
    "Handbook",
    "HandbookError",
    "NearbyCompound",
    "OpenState",
    "OpeningHoursError",
    "Problem",
    "RouteData",
    "RouteDataError",
    "Schedule",
    "Topic",
    "import_geojson",
    "load_dir",
    "load_handbook",
    "parse",
    "validate_dir",
]
