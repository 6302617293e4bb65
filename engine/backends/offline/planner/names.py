"""Given names whose usual gender is clear, from many languages, so a named speaker gets a fitting voice. A name not
listed here gets no gender (never "male by default"); the planner then asks for a voice by age only.

Chinese names are found by their shape (朵朵, 小敏, 阿福, 王小明; a Latin name in Chinese text) and gendered by their
characters (小红, 建国).
"""

import functools
import logging
import re
import unicodedata

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
aaliyah abena adaora adwoa afia agata agnieszka ahana aiyana akosua alessandra alya amaia amaka amani amara amaya
ana-maria anahi anaya angelica anja annika anouk antonella aoife ara ariadne arya asel asma astrid aya ayla aylin
aziza barbara beatriz berit bethany birgit blanca brigitte brianna bronwyn caitlin camille candela carmela carolina
catalina celine chanel chiara chidinma chioma cho ciara clementine colette consuelo cristina dagny dana danielle
daria delfina delia dilnoza dina dolores dominika dorota edith efua ekaterina elaine eleni elif elin elisa elise
elodie eloise emine emma esme estela esther eun-ji eunice evangelina farah farida fatou fernanda flavia
francine frida gabriele galina giulia gwen gwendolyn habiba hadiza halima hanne hatice hedda hilde
hiroko hyun-jung ifeoma ilse imani imogen inga inge ingrid irina isabela isolde ivana jacinta jadwiga jana janelle
jelena jessamine jiya joanne johanna josefina julieta juniper kalinda kamila karina karolina kasia katarzyna
katja keisha kerstin khadija kirsten klara kristina lale lan laure lea léa leena leonor leticia liesel lieve lina
linnea lior liv ljubica lorna lourdes lucía lucia ludmila lupe madina magda magdalena mahala maile maiko malika
manon marcela mareike margarida margot mariana marianne marisol marit marjorie marlene marta mathilde mayumi
mei-lin mercedes milagros milena mina minh mirela miyu morag nadežda nadia nanami naomi natalya neha nilufar noemi
noor nozomi nuala oksana olena olufunke ona oona paloma parisa paulina pia precious rashida regina renata rhiannon
rin rocío rosalind rosalía roxana rukhsana sabine sadia saffron saoirse sakshi sanne saskia seo-yeon shira shirin
shoshana signe sigrid silvia sina siobhan siri solveig sonja soraya suki sunita svea tamsin tatiana teodora
thandeka tove ulla ulrike una ursula valentina vanja vesna wanda wiebke xiomara yael yasmin yelena yesenia yoko
yolanda yumi zainab zanele zehra zeynep zofia zuzana
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
abdullah abel abraham adrian ahmad aidan aiden akin akinyemi alberto aldo aleksander aleksandr alessandro alfonso
alfredo alonso ambrose amit anders andrés andres angelo anil ansel anwar arash arturo aryan ashok augustin axel
ayodele babajide bartosz basil bastian bautista benedikt bertrand björn bjorn bogdan boubacar bram callum carl
carsten casimir cedric chukwuemeka ciaran cillian clement conrad cormac cristian cyrus dag damian darius declan
demetrius desmond dhruv diarmuid dieter dimitri dmitry donovan dragan duc dusan eamon efe eitan elias emil emilio
erik ernesto esteban étienne etienne ezra fabian fabio farid faisal federico femi fergus filip finnegan florian
francisco franz gareth gaspard gaurav giorgos goran gunnar gustavo haakon hakim hamid hamish haruki hassan heinrich
helmut hideo hiro hyun-woo ignacio ilya imran ingo ioannis isidro jakob jan jaroslav jasper javed jens
jiro joaquín joaquin johan jonas jörg jorg jose-luis josé julio jun jürgen jurgen kaan kamal kareem karl kasper
kazuki keanu kemal kenzo khalil kirill klaus kostas krzysztof kunle lachlan laszlo lautaro lennart leonid levente
lorcan luka lukas łukasz lukasz magnus mahmoud makoto malcolm mamadou manuel marek mario marius mateusz
matías matias mehmet milan miloš milos mohan moritz mustafa naveen nikhil nikos nils niklas nnamdi obinna odin
olaf olumide omari osman oswaldo pascal patrik pavel pedro pieter piotr pradeep quentin rafał rafal rainer ramón
ramon rashid reza rodrigo roman rory ruairi rustam ryota saeed salvador sanjay santino sebastián seamus sergio
shane shinji shun sipho siddharth soren søren stanislav stellan sunil tadeusz tariq teodor thabo thiago tiago
tomasz tomás torben tuan ulrich uriel vadim valentin vasily viktor vladimir wojciech xavi yannick yaw yevgeny
yiannis yohannes yosef yusuke zoltan zoran
""".split())


def name_gender(name: str) -> str | None:
    """'female', 'male' or None for a given name as written ("Priya", "Kenji", "Zorvath")."""
    key = name.strip().lower()
    plain = "".join(c for c in unicodedata.normalize("NFKD", key) if not unicodedata.combining(c))
    key = key if key in FEMALE_NAMES or key in MALE_NAMES else plain  # "Léa" is listed as "lea" too
    if key in FEMALE_NAMES:
        return "female"
    if key in MALE_NAMES:
        return "male"
    return None


# Characters that make a Chinese given name read as a woman's or a man's (小红, 建国); most names carry none.
_ZH_FEMALE_CHARS = "红丽美芳娜婷花玲梅兰雪琳燕霞静敏慧莉朵佳媛娟妍萍倩莹瑶璐蓉薇菲琪晶颖怡欣悦妮娇嫣桃"
_ZH_MALE_CHARS = "明刚强伟军勇龙杰涛斌磊鹏飞虎辉豪浩峰超波健福国栋"
ZH_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚"
                "卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
# Doubled characters that are adverbs or sounds, not nicknames (慢慢, 哗哗)
_ZH_NOT_NICKNAMES = set("渐常刚偏往默静淡轻慢悄紧深远隐天人个处时久呼哗沙嗡滴咚叮轰嘀噼啪咕哈嘿呵嘻潺淅簌窸扑砰"
                        "嘎吱咔嗒滋汩")
# Words 小/阿/老 begin that are not names (小心 is careful, 老师 a teacher)
_ZH_NOT_NAMES = {"小心", "小声", "小时", "小说", "小孩", "小朋", "小小", "小狗", "小猫", "小鸟", "阿姨", "老师", "老板", "老人",
                 "老鼠", "老家", "老是", "老婆", "老公", "老旧", "老式", "老虎", "老鹰", "老天", "老街", "老屋", "老树", "小鸡",
                 "小溪", "小巷", "小院", "小雪", "小心翼", "老远", "小跑", "小声", "老大", "小女", "小男", "小伙", "老头",
                 "老汉", "老兵"}
# Where a name at the start of a phrase stops: the action or the speech that follows ("小敏突然坐起来")
_ZH_AFTER_NAME = set("跑走站坐转回进出笑哭拿看听喊叫说问答在从向对把被一又也就还都突忽便正边轻低大小慢快翻拉抱仰躺推拍敲摸"
                     "望抬点摇挥打唱叹嘟悄低用，：:")


def zh_name(phrase: str) -> str | None:
    """The name a Chinese phrase starts with, when its shape says it is one: a Latin name ("Maya"), a doubled
    nickname (朵朵), 小/阿/老 and a character (小敏, 阿福), or a surname and one or two characters (王小明). A name
    inside a longer phrase must be followed by what its bearer does ("佳佳翻了个身")."""
    phrase = phrase.strip()
    m = re.match(r"说话人\d+|[A-Z][a-z]+(?:[ -][A-Z][a-z]+)?", phrase)  # InstructAudio's numbered speakers too
    m2 = re.match(r"[小阿老][A-Z][A-Za-z]*", phrase) if m is None else None
    if m2:
        return m2.group(0)  # 老K, 阿May
    if m:
        return m.group(0)
    if len(phrase) < 2 or not all("\u4e00" <= c <= "\u9fff" for c in phrase[:2]):
        return None
    candidates = []
    if (phrase[0] == phrase[1] and phrase[0] not in _ZH_NOT_NICKNAMES) or \
            (phrase[0] in "小阿老" and phrase[:2] not in _ZH_NOT_NAMES):
        return phrase[:2]  # a nickname is two characters, whatever follows (老周扯着嗓子, 小彭小跑过来)
    if phrase[0] in ZH_SURNAMES:
        candidates += [3, 2]
    for n in candidates:
        if len(phrase) == n or (len(phrase) > n and phrase[n] in _ZH_AFTER_NAME):
            return phrase[:n] if all("\u4e00" <= c <= "\u9fff" for c in phrase[:n]) else None
    return None


@functools.cache
def _segmenter():
    """jieba's part-of-speech segmenter, loaded on the first Chinese name it is asked about (≈1 s, once)."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


# Tags of the words a subject is made of (nouns, names, places used as names, Latin words); the first other word
# (a verb, an adverb, a preposition) ends it
_SUBJECT_TAGS = ("n", "eng", "j")


def zh_subject_name(phrase: str) -> str | None:
    """The person a Chinese phrase starts with, read by word segmentation when its shape does not tell: "王浩挠挠头"
    → 王浩, "同桌晓雯把练习册推过来" → 晓雯 (the name after the role), "安娜缩在睡袋里" → 安娜. None when the phrase does
    not start with a name."""
    run = []
    for token in _segmenter().cut(phrase.strip()[:16]):
        if not token.flag.startswith(_SUBJECT_TAGS) or token.word in "的了着":
            break
        run.append(token)
    names = [t.word for t in run if t.flag.startswith("nr")]
    if names:
        name = names[-1]
        if 2 <= len(name) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in name) and not _describes_a_voice(name):
            return name
    return None


def _describes_a_voice(word: str) -> bool:
    """洪亮 and 温柔 look like names to a segmenter; they are how someone sounds."""
    from engine import instruct

    read = instruct.parse_speech(word)
    return any(getattr(read, f) is not None for f in ("emotion", "style", "pitch", "volume", "pace", "age"))


def zh_name_after_role(text: str) -> str | None:
    """The name that follows a role ("女儿小桃跑进来" → 小桃, "向导扎西咳嗽了两声" → 扎西), if one does."""
    text = text.strip()
    name = zh_name(text) or zh_subject_name(text)
    if name:
        return name
    tokens = list(_segmenter().cut(text[:12]))
    first = tokens[0] if tokens else None
    if first and first.flag.startswith(_SUBJECT_TAGS) and 2 <= len(first.word) <= 3 \
            and all("\u4e00" <= c <= "\u9fff" for c in first.word):
        return first.word  # a role is followed by who holds it: 扎西 (tagged a place) is his name
    return None


def zh_name_gender(name: str) -> str | None:
    """'female', 'male' or None for a Chinese given name (or a Latin one written in Chinese text)."""
    if re.match(r"[A-Za-z]", name):
        return name_gender(name.split()[0])
    given = name[1:] if len(name) > 1 and name[0] in "小阿老" + ZH_SURNAMES else name
    if any(c in _ZH_FEMALE_CHARS for c in given):
        return "female"
    if any(c in _ZH_MALE_CHARS for c in given):
        return "male"
    return None
