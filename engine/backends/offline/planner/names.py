"""Given names whose usual gender is clear, from many languages, so a named speaker gets a fitting voice. A name not
listed here gets no gender (never "male by default"); the planner then asks for a voice by age only.

Chinese given names are read by their characters in cast.py (小红, 建国).
"""

FEMALE_NAMES = frozenset("""
abigail ada adaeze adele adriana agnes aiko aisha akua alejandra alexandra alice alicia alina alma amara amelia amina
amira amy ana anastasia andrea angela anika anita anna annabel anne annie antonia anya ariana astrid aurora ava ayaka
ayesha beatrice bella bianca bridget camila carla carmen caroline catherine cecilia celeste charlotte chiara chloe
clara claire cleo constance cora daisy dalia daniela daphne deborah diana dolores dorothy eleanor elena elif eliza
elizabeth ella ellen eloise elsa emilia emily emma esther eva evelyn fatima fatma fiona florence francesca freya
gabriela gemma georgia gloria grace greta hana hanna hannah harriet hazel heidi helen helena hina ines ingrid irene iris
isabel isabella isla ivy jade jane janet jasmine jennifer jessica joan joanna josephine julia juliet june kamala karen
kate katherine katie kavya keiko kemi kiara lakshmi laila lara laura layla leah lena leila lila lily linda lisa
lola lorena louise lucia lucy luna lydia mabel madeleine maeve maggie maja malia mara marguerite maria mariam marie
marina marta martha mary maya meera megan mei melissa mia michelle mila mira miriam molly monica nadia nadine naledi
nancy naomi natalia natasha nia nina nisha noor nora olga olivia paula pauline penelope pooja priya rachel rania rebecca
rosa rose rosie ruby ruth sakura salma samira sara sarah scarlett selin shreya sienna simone sofia sophia sophie stella
susan suzanne svetlana tamar tanya tara tessa thandiwe theresa valentina valeria vanessa vera veronica victoria violet
wanjiru wendy yasmin yara yuki yuna zainab zara zoe zoey zora ngozi folake chiamaka yetunde abena efua asha
""".split())

MALE_NAMES = frozenset("""
aaron abdul adam adebayo ahmed akira alan albert alejandro alex alexander ali amir andre andrei andrew angus anton
antonio aravind arjun arnav arthur ben benjamin bilal bob boris brian bruno caleb carlos charles chen chidi chris
christopher colin connor daniel dante darius david dev diego dmitri dominic duncan eduardo edward elias elijah emeka
emmanuel enzo eric ethan evan felix fernando finn francesco frank frederick gabriel george giovanni gregory gustav hamza
hans harry hassan hector henry hiroshi hugo ian ibrahim igor isaac ivan jack jacob jake james jamal javier jay joe john
jonah jonas jorge jose joseph juan julian kai kaito karim kenji kevin khalid kofi kwame kwabena lars leo leon leonardo
liam lorenzo louis luca lucas luis luke malik marco marcus mark martin mateo matteo matthew max maxim michael miguel
mikhail mohamed mohammed muhammad musa nathan nikolai noah oleg oliver omar oscar otto pablo patrick paul pedro peter
pierre rafael rahul raj ravi raymond ricardo richard robert rohan ryan ryo sam samuel santiago sean sebastian sergei
simon stefan stephen sven takeshi taro theo thomas tim timothy tobias tom tomas umar victor vikram vincent walter wei
william xavier yusuf yuto zachary kenta haruto sota obi tunde chinedu kwesi li mike ming
""".split())


def name_gender(name: str) -> str | None:
    """'female', 'male' or None for a given name as written ("Priya", "Kenji", "Zorvath")."""
    key = name.strip().lower()
    if key in FEMALE_NAMES:
        return "female"
    if key in MALE_NAMES:
        return "male"
    return None
