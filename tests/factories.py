"""Factories of the organisation tree and the roster, with valid resident ID numbers."""

import datetime
import itertools

import factory

from cadres import rules
from cadres.models import Cadre, County, Township, Village

_sequence = itertools.count(1)


def make_id_number(birth_date, *, male=True, area="433130"):
    """Return a valid 18-digit ID number for a birth date and sex, unique per call."""
    serial = next(_sequence) % 500
    order = 2 * serial + (1 if male else 0)  # odd for men, even for women
    first_17 = f"{area}{birth_date:%Y%m%d}{order:03d}"
    return first_17 + rules.id_check_character(first_17)


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ("code",)

    name = "龙山县"
    code = "433130"


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township

    county = factory.SubFactory(CountyFactory)
    name = factory.Sequence(lambda n: f"测试{n}镇")
    code = factory.Sequence(lambda n: f"433130{n:03d}")
    kind = Township.Kind.TOWN


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    township = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"测试{n}村")
    code = factory.Sequence(lambda n: f"433130{n:06d}")
    kind = Village.Kind.VILLAGE
    population = 2000
    area_km2 = "12.50"


class CadreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cadre
        skip_postgeneration_save = True

    class Params:
        birth_date = datetime.date(1985, 6, 15)
        male = True

    name = "张三"
    id_number = factory.LazyAttribute(lambda o: make_id_number(o.birth_date, male=o.male))
    ethnicity = "15"
    phone = "13800000000"
    education = "college"
    political_status = "party_member"
    party_join_date = datetime.date(2010, 7, 1)
    village = factory.SubFactory(VillageFactory)
    post = Cadre.Post.CLERK
    is_full_time = True
    status = Cadre.Status.ACTIVE
    start_date = datetime.date(2019, 3, 1)

    @factory.post_generation
    def appointment(obj, create, extracted, **kwargs):
        """Give the cadre the appointment event their record stands on (POLICY §3.6)."""
        if not create or extracted is False:
            return
        from cadres.models import AppointmentEvent

        AppointmentEvent.objects.create(
            cadre=obj,
            kind=AppointmentEvent.Kind.APPOINTMENT,
            on=obj.start_date,
            village=obj.village,
            post=obj.post,
            reason="factory",
        )
