"""Input schema of one hour to staff: calendar, weather, and last week's demand at that hour.

Values are spelled as in the shipped file (``data/bikeshare.csv``); weather numbers are the UCI
file's normalised values (see ``data/PROVENANCE.md``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _not_bool(value: object) -> object:
    # pydantic's lax mode reads True as 1; a boolean is never a count or a measurement
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return value


Count = Annotated[int, BeforeValidator(_not_bool)]
Share = Annotated[float, BeforeValidator(_not_bool), Field(ge=0.0, le=1.0, allow_inf_nan=False)]

Month = Literal["Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct",
                "Nov", "Dec"]
Weather = Literal["clear", "cloudy/misty", "light rain/snow", "heavy rain/snow"]


class RentalHour(BaseModel):
    """One hour of the Capital Bikeshare system: how many bikes to have ready for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    day: Count = Field(ge=1, le=366, description="day of the year (1 = 1 January)")
    hr: Count = Field(ge=0, le=23, description="hour of the day, 0-23 (local time)")
    season: Count = Field(ge=1, le=4, description="season as coded by the data set, 1-4")
    mnth: Month = Field(description="month, spelled as in the data set")
    holiday: Count = Field(ge=0, le=1, description="1 if a D.C. public holiday")
    weekday: Count = Field(ge=0, le=6, description="day of the week, 0 = Sunday")
    workingday: Count = Field(ge=0, le=1, description="1 if neither weekend nor holiday")
    weathersit: Weather = Field(description="weather in the hour")
    temp: Share = Field(description="temperature, normalised: (celsius + 8) / 47")
    atemp: Share = Field(description="feeling temperature, normalised: (celsius + 16) / 66")
    hum: Share = Field(description="relative humidity, 0-1")
    windspeed: Share = Field(description="wind speed, normalised: km/h / 67")
    bikers_same_hour_last_week: Count = Field(
        ge=0, le=100_000, description="bikes rented in the same hour one week earlier"
    )
