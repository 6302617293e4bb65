"""Every recipe of the bank, by name.

A recipe is a render function declared with `@recipe` in the module of its family (weather, water, fire,
animals, footfalls, people, household, bells, machines, impacts); it is known to the bank by being listed here, and
only here. The order is the bank's order of preference: when a caption scores two recipes the same, the one listed
first plays first (and leads the layers), so a recipe is added at the end unless it should win such ties.
"""

from __future__ import annotations

from engine.backends.offline.sound.recipes import (animals, bells, fire, footfalls, household, impacts, machines,
                                                   people, water, weather)
from engine.backends.offline.sound.recipes.recipe import Recipe

RECIPES: dict[str, Recipe] = {r.name: r for r in (
    weather.rain_light, weather.rain_heavy, weather.wind, water.ocean, water.stream, fire.fire, animals.crickets,
    animals.birdsong, people.crowd, people.cafe, people.applause, household.room_tone, bells.wind_chimes,
    weather.thunder, water.water_drip, animals.seagulls, animals.owl, animals.wolf_howl, water.boat_creak,
    footfalls.footsteps, footfalls.horse_hooves, household.door_knock, household.door_creak, household.door_slam,
    household.clock, bells.church_bell, bells.small_bell, household.phone_ring, household.typing,
    household.page_turn, people.heartbeat, people.breathing, animals.dog_bark, machines.car_engine,
    machines.car_pass, machines.siren, machines.train, machines.helicopter, machines.city_street,
    impacts.explosion, impacts.gunshot, impacts.whoosh, impacts.glass_break, impacts.sword_clash,
)}
