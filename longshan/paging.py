"""Paging a long list whose rows are listed unit by unit (township, village)."""


class RowsByUnit:
    """A list's rows as a paginator reads them, when a summary already counts them by unit.

    `units` is [(unit id, rows of it in the list)] in the order the list shows the units
    (its first sort key), e.g. a page's township subtotals. A page then reads only the
    units its slice covers (one or two townships' rows, not a sort of a province's), and
    the length is the units' sum, with no COUNT. Give it to `django.core.paginator`.
    """

    def __init__(self, rows, units, *, unit_field):
        self.rows = rows
        self.units = list(units)
        self.unit_field = unit_field

    def count(self):
        return sum(n for _unit, n in self.units)

    def __getitem__(self, part):
        covered, first, position = [], 0, 0
        for unit, n in self.units:
            if n and position < part.stop and position + n > part.start:
                first = first if covered else position
                covered.append(unit)
            position += n
        if not covered:
            return []
        rows = self.rows.filter(**{f"{self.unit_field}__in": covered})
        return list(rows[part.start - first : part.stop - first])
