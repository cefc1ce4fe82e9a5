"""The words of the agreement grammar: everyday English nouns with their plurals, verbs with their
tenses, adjectives, prepositions, names and pronouns (NumPy-free, data only).

Regular forms are made by the spelling rules below (``plural``, ``third_person``, ``ing_form``);
irregular ones are written out. ``check()`` refuses a lexicon where a noun form is also a verb form
(the subject finder and the task would then disagree about which word is the subject).
"""

from __future__ import annotations

VOWELS = set("aeiou")

# nouns whose plural is not made by the spelling rule
IRREGULAR_PLURALS = {
    "child": "children", "man": "men", "woman": "women", "person": "people", "mouse": "mice",
    "foot": "feet", "tooth": "teeth", "goose": "geese", "knife": "knives", "wife": "wives",
    "leaf": "leaves", "shelf": "shelves", "wolf": "wolves", "thief": "thieves",
    "potato": "potatoes", "tomato": "tomatoes", "hero": "heroes", "policeman": "policemen",
    "fireman": "firemen", "gentleman": "gentlemen", "loaf": "loaves", "half": "halves",
}

_NOUN_WORDS = """
man woman child person boy girl baby kid teenager adult parent mother father son daughter
sister brother uncle aunt cousin grandmother grandfather husband wife family friend neighbour
guest visitor stranger customer teacher student pupil doctor nurse farmer baker driver pilot
sailor officer soldier lawyer singer dancer player writer author artist actor critic king queen
prince princess worker manager boss policeman fireman scientist engineer musician painter poet
waiter chef gardener captain hero thief gentleman lady judge president leader team audience
dog cat bird horse cow pig duck chicken rabbit fox bear lion tiger monkey snake frog mouse goose
wolf elephant spider bee ant insect animal puppy kitten
key cabinet book table chair door window house car bus bike train box letter picture painting
lamp bed cup glass plate bottle bag phone computer clock knife spoon fork shoe boot hat coat
shirt dress ticket card gift toy ball flower tree apple banana egg cake sandwich potato
tomato cookie loaf desk shelf drawer wall floor roof room kitchen garden street road bridge
river lake sea mountain hill village city town school church shop office hospital farm park
beach island field forest ship boat plane truck wheel engine machine film movie song story
game party lesson class question idea problem rule map photo camera radio
newspaper magazine page poem word sentence number name achievement accomplishment mistake
result price coin dollar eye hand face leg heart tooth foot country company library factory
cherry strawberry restaurant hotel station airport window pencil pen umbrella blanket pillow
museum cage sink ground football bread thing year basket bucket candle mirror carpet sofa
fence gate path castle tower cloud storm wave rock stone
"""
# left out: nouns with one form for both numbers (sheep, fish) and nouns that are also verb
# forms of this lexicon (star, answer, meeting, leaf/leaves); "paint" is left out of the verbs so
# that "painting" stays a noun
NOUNS_SINGULAR = sorted(set(_NOUN_WORDS.split()))


def plural(noun: str) -> str:
    if noun in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[noun]
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2] not in VOWELS:
        return noun[:-1] + "ies"
    return noun + "s"


NOUNS: list[tuple[str, str]] = [(n, plural(n)) for n in NOUNS_SINGULAR]  # (singular, plural)

# transitive verbs: "base past participle [ing]"; the -s form comes from ``third_person``
_TRANSITIVE = """
chase chased chased | like liked liked | see saw seen | follow followed followed
visit visited visited | feed fed fed | admire admired admired | help helped helped
keep kept kept | praise praised praised | find found found
meet met met meeting | describe described described | choose chose chosen | remember remembered remembered
love loved loved | hate hated hated | watch watched watched | call called called
carry carried carried | bring brought brought | buy bought bought | sell sold sold
build built built | break broke broken | fix fixed fixed | clean cleaned cleaned
wash washed washed | open opened opened | close closed closed | move moved moved
push pushed pushed | pull pulled pulled | lift lifted lifted | drop dropped dropped dropping
catch caught caught | throw threw thrown | hold held held | read read read
write wrote written | draw drew drawn | teach taught taught | tell told told
ask asked asked | show showed shown | give gave given | take took taken
make made made | leave left left | lose lost lost | miss missed missed
want wanted wanted | need needed needed | use used used | borrow borrowed borrowed
lend lent lent | cook cooked cooked | bake baked baked | eat ate eaten
drink drank drunk | cut cut cut cutting | hit hit hit hitting | kick kicked kicked
bite bit bitten | wake woke woken | scare scared scared | greet greeted greeted
thank thanked thanked | invite invited invited | join joined joined | study studied studied
hide hid hidden | answer answered answered | enjoy enjoyed enjoyed | order ordered ordered
pay paid paid | send sent sent | fill filled filled | protect protected protected
save saved saved | stop stopped stopped stopping | plant planted planted | play played played
sign signed signed | wear wore worn | ride rode ridden | drive drove driven
forget forgot forgotten forgetting | win won won winning | visit visited visited | kiss kissed kissed
"""

# intransitive verbs: "base past [ing]"
_INTRANSITIVE = """
bark barked | sleep slept | live lived | work worked | run ran running | play played
sing sang | wait waited | laugh laughed | cry cried | smile smiled | dance danced
swim swam swimming | walk walked | talk talked | sit sat sitting | stand stood | fall fell
arrive arrived | stay stayed | fly flew | jump jumped | shout shouted | rest rested
grow grew | listen listened | travel travelled travelling | star starred starring
come came | go went | hang hung | shine shone | smell smelled | belong belonged
agree agreed agreeing | hurry hurried | wander wandered | hide hid
disappear disappeared | appear appeared | happen happened | matter mattered
"""

# verbs that take a clause ("the teachers think that ..."), kept apart from the others
FRAME_VERBS = [("said", "said"), ("heard", "heard"), ("noticed", "noticed"), ("thinks", "think"),
               ("knows", "know"), ("believes", "believe"), ("says", "say"), ("hopes", "hope"),
               ("thought", "thought"), ("knew", "knew"), ("explained", "explained"),
               ("feels", "feel"), ("realised", "realised")]


def third_person(base: str) -> str:
    if base == "have":
        return "has"
    if base.endswith(("s", "x", "z", "ch", "sh", "o")):
        return base + "es"
    if base.endswith("y") and base[-2] not in VOWELS:
        return base[:-1] + "ies"
    return base + "s"


def ing_form(base: str) -> str:
    if base.endswith("ie"):
        return base[:-2] + "ying"
    if base.endswith("e") and not base.endswith(("ee", "ye", "oe")) and base != "be":
        return base[:-1] + "ing"
    return base + "ing"


def _rows(table: str) -> list[list[str]]:
    return [part.split() for part in table.replace("\n", "|").split("|") if part.strip()]


def _transitive() -> dict[str, dict[str, str]]:
    out = {}
    for row in _rows(_TRANSITIVE):
        base, past, participle = row[:3]
        ing = row[3] if len(row) > 3 else ing_form(base)
        out[base] = {"s": third_person(base), "base": base, "past": past,
                     "participle": participle, "ing": ing}
    return out


def _intransitive() -> dict[str, dict[str, str]]:
    out = {}
    for row in _rows(_INTRANSITIVE):
        base, past = row[:2]
        ing = row[2] if len(row) > 2 else ing_form(base)
        out[base] = {"s": third_person(base), "base": base, "past": past, "ing": ing}
    return out


TRANSITIVE = _transitive()  # base -> {"s", "base", "past", "participle", "ing"}
INTRANSITIVE = _intransitive()  # base -> {"s", "base", "past", "ing"}

# (singular, plural) forms of the verbs that agree: the word the model must predict the number of
AUXILIARIES = [("is", "are"), ("was", "were"), ("has", "have"), ("does", "do"),
               ("isn't", "aren't"), ("wasn't", "weren't"), ("hasn't", "haven't"),
               ("doesn't", "don't")]
LINKING = [("seems", "seem"), ("looks", "look"), ("becomes", "become"), ("stays", "stay")]
MODALS = ["can", "will", "could", "would", "should", "must", "might"]

ADJECTIVES = """
old young small big large little new quiet loud friendly red blue green yellow black white
brown grey tall short long busy happy sad angry hungry tired sleepy hot cold warm cool wet dry
clean dirty beautiful pretty ugly nice good bad great best worst biggest smallest oldest
youngest first last favourite famous rich poor strong weak fast slow heavy soft hard dark
bright empty full sick brave clever funny lazy careful nervous proud lucky strange wild lonely
early late ready important expensive cheap fresh sweet delicious wooden tiny huge round sharp
gentle noisy polite local foreign modern ancient calm bored excited worried afraid alone
awake asleep different same other whole real true free safe simple difficult easy terrible
wonderful lovely kind
""".split()
INTENSIFIERS = ["very", "really", "so", "too", "quite", "not"]

PREPOSITIONS = ["near", "behind", "beside", "with", "from", "under", "by", "for", "of", "to",
                "next to", "in front of", "above", "on", "in", "at", "across", "along",
                "around", "among", "between", "below", "inside", "outside", "over", "past",
                "through", "without", "against", "into", "about", "after", "before",
                "opposite", "like", "close to", "on top of", "at the back of"]

# determiners: "either" goes with both numbers; "sg/pl" pairs pick by the noun's number
DETERMINERS = ["the", "the", "the", "the", "my", "our", "your", "his", "her", "their",
               "this/these", "a/some", "one/two", "every/many", "each/several", "another/three",
               "a/four", "a/five", "one/ten", "a/eight",
               "that/those", "a/all the", "a/both"]
NAMES = ["mrs. smith", "mr. brown", "dr. jones", "ms. taylor", "anna", "tom", "mary", "john",
         "sarah", "peter", "jules", "vincent", "emma", "david", "lucy", "the captain", "my aunt",
         "the old farmer", "grandma", "uncle bob"]
# subject pronouns by number; "i" and "you" take the plural forms (except was), so only frames use them
PRONOUNS = [("she", "they"), ("he", "we"), ("it", "they"), ("someone", "they"),
            ("everyone", "we"), ("nobody", "they"), ("everybody", "they"),
            ("something", "they")]
FRAME_ONLY_PRONOUNS = ["i", "you"]
OBJECT_PRONOUNS = ["me", "you", "him", "her", "it", "us", "them", "everyone", "something"]
ADVERBS = ["yesterday", "today", "tonight", "often", "always", "never", "sometimes", "usually",
           "once", "recently", "already", "still", "also", "really", "quickly", "slowly",
           "quietly", "loudly", "happily", "again", "together", "last week", "last night",
           "every day", "every morning", "this morning", "at night", "at home", "now", "here",
           "there", "soon", "later", "at last", "all day", "in the end", "upstairs", "downstairs",
           "every year", "this year", "at eight", "at noon"]
TIME_OPENERS = ["yesterday", "today", "tonight", "sometimes", "usually", "last week",
                "last night", "every day", "every morning", "this morning", "at night", "later",
                "in the end", "once", "now", "then", "suddenly", "of course", "luckily",
                "in the morning", "in the evening", "after the storm", "on sunday",
                "on monday", "in the summer", "in winter", "according to the teachers",
                "after school", "before dinner", "after lunch"]
CONJUNCTIONS = ["and", "but", "so", "because", "while", "when", "although", "or"]
RELATIVES = ["that", "that", "that", "which", "who"]
OTHER_WORDS = ["that", "which", "who", "whom", "whose", "very", "not", "a", "an", "the", "no",
               "there", "here", "than", "as", "then", "if", "what", "how", "why", "where",
               "yes", "all", "both", "some", "any", "many", "much", "more", "most", "few",
               "lot", "lots", "one", "two", "three", "four", "five", "ten", "hundred",
               "else", "just", "only", "even", "nothing", "everything", "anyone", "anything",
               "had", "been", "being", "be", "am", "did", "do", "done", "got", "get", "gets",
               "mr", "mrs", "ms", "dr", "smith", "brown", "jones", "taylor", "bob", "grandma",
               "monday", "sunday", "morning", "evening", "night", "day", "week", "summer",
               "winter", "year", "years", "time", "home", "school", "lunch", "dinner",
               "breakfast", "tv", "television", "nothing", "ago", "out", "up", "down",
               "away", "back", "off", "ever", "of", "course", "suddenly", "luckily",
               "according", "to", ".", ",", "?", "!", "'", '"', "-", ":", ";"]


def noun_forms() -> set[str]:
    return {form for pair in NOUNS for form in pair}


def verb_forms() -> set[str]:
    forms = {f for v in [*TRANSITIVE.values(), *INTRANSITIVE.values()] for f in v.values()}
    forms.update(f for pair in AUXILIARIES + LINKING + FRAME_VERBS for f in pair)
    return forms


def check() -> None:
    """Raise ValueError when a noun form is also a verb form or a pronoun."""
    clash = noun_forms() & (verb_forms() | {p for pair in PRONOUNS for p in pair})
    if clash:
        raise ValueError(f"agreement lexicon: expected nouns apart from verbs, got both: {sorted(clash)}")
