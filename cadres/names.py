"""Search keys for Chinese names: full pinyin and initials, so that "zs" finds 张三."""

from pypinyin import Style, lazy_pinyin


def search_keys(name):
    """Return (full pinyin, initials) of a name, lowercase, without spaces or tones."""
    syllables = [s.lower() for s in lazy_pinyin(name or "", style=Style.NORMAL, errors="ignore")]
    syllables = [s for s in syllables if s.isalpha()]
    return "".join(syllables), "".join(s[0] for s in syllables)
