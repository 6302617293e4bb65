"""What the planner writes when the instruction only reports speech: the stories a character tells
("an old fisherman tells his grandson a story"), a listener's interjections, and short lines on a topic
("tells a joke", "says goodnight"). Every line exists in English and Chinese.
"""

from __future__ import annotations

import re

from .descriptions import DESCRIPTION_TOPICS, DESCRIPTIONS
from .draft import Clip, Draft
from .wording import EN_STOP, as_sentence, estimate_speech_seconds, pattern

# Stories a character "tells" when the instruction does not quote them. Lines are (English, Chinese).
_STORIES: dict[str, list[list[tuple[str, str]]]] = {
    "sea": [[
        ("When I was about your age, a storm just like this one came in from the north without any warning.",
         "我像你这么大的时候，也来过一场这样的风暴，从北边突然就刮过来了。"),
        ("Your great-grandfather was still out past the rocks in his little wooden boat.", "那时你太爷爷还驾着他的小木船，在礁石外面打鱼。"),
        ("The whole village stood on the pier with lanterns, calling his name into the wind.", "全村的人都提着灯站在码头上，顶着风喊他的名字。"),
        ("The waves were taller than the church roof, and nobody believed he would come home.", "浪头比教堂的屋顶还高，谁都不相信他还能回来。"),
        ("Then, just before dawn, we saw one tiny light rising and falling between the waves.", "可就在天亮之前，我们看见浪花中间有一点小小的灯光，一起一伏。"),
        ("He had tied himself to the mast and sung every song he knew to stay awake.", "原来他把自己绑在桅杆上，把会唱的歌全唱了一遍，硬撑着没有睡着。"),
        ("Since that night I have never been afraid of a storm. The sea gives back the brave.", "从那天晚上起，我再也不怕风暴了。大海总会把勇敢的人送回来。"),
        ("So close your eyes, little one. The wind is loud, but our walls are strong.", "所以闭上眼睛吧，孩子。风声很大，可我们的墙很结实。"),
    ], [
        ("Long ago, the fish in this bay could talk, or so my grandmother used to say.", "很久以前，这片海湾里的鱼会说话，我奶奶总是这么说。"),
        ("One winter morning a silver fish swam into my net and begged me to let it go.", "有一年冬天的早上，一条银色的鱼游进了我的网，求我放了它。"),
        ("I was young and hungry, but something in its voice made me open the net.", "那时我年轻，肚子也饿，可它的声音让我不由得把网打开了。"),
        ("The next morning the bay was so full of fish that every family in the village ate well.", "第二天早上，海湾里满是鱼，村里家家户户都吃得饱饱的。"),
        ("Ever since, whenever the waves are loud at night, I listen for that silver voice.", "从那以后，每当夜里浪声很大，我都会侧耳去听那个银色的声音。"),
        ("Maybe one day it will speak to you too, if you are kind to the sea.", "也许有一天它也会跟你说话，只要你善待大海。"),
    ]],
    "ghost": [[
        ("They say that on nights like this, a lantern moves by itself along the old road.", "听说在这样的夜里，老路上会有一盏灯笼自己慢慢移动。"),
        ("Years ago a traveller followed it, thinking it would lead him to shelter.", "很多年前，有个过路人跟着那盏灯走，以为它会带他找到落脚的地方。"),
        ("The light stopped at a house that had burned down a hundred years before.", "灯光停在一座房子前，可那房子一百年前就烧没了。"),
        ("He knocked, and from the ashes a soft voice answered: come in, we have been waiting.", "他敲了敲门，灰烬里传出一个轻轻的声音：进来吧，我们等你很久了。"),
        ("When morning came, all they found was his hat, hanging on a blackened nail.", "天亮以后，人们只找到了他的帽子，挂在一根烧黑的钉子上。"),
        ("So if you see a lantern tonight, whatever you do, do not follow it.", "所以今晚要是看见灯笼，无论如何，千万别跟着它走。"),
    ]],
    "fairy": [[
        ("Once upon a time, a dragon lived in the mountain above a sleepy kingdom.", "从前，在一个安静的王国上方的大山里，住着一条龙。"),
        ("Every knight who climbed up to fight it came back with singed armour and a red face.", "每个爬上山去和它战斗的骑士，回来时盔甲都被烧焦了，脸也涨得通红。"),
        ("Then the king's youngest daughter went up with nothing but a basket of bread.", "后来，国王最小的女儿只带着一篮面包上了山。"),
        ("She sat down beside the dragon and asked why it was so angry.", "她在龙的身边坐下，问它为什么这么生气。"),
        ("It turned out the dragon was simply lonely, and no one had ever asked before.", "原来那条龙只是太孤单了，从来没有人问过它。"),
        ("From that day on, the dragon warmed the village ovens every winter.", "从那天起，每到冬天，龙就帮村子里的烤炉生火取暖。"),
    ]],
    "war": [[
        ("I was barely eighteen when they handed me a rifle and sent me to the front.", "我刚满十八岁，他们就塞给我一支枪，把我送上了前线。"),
        ("We slept in the mud and counted the hours between the shelling.", "我们睡在泥地里，数着一次次炮击之间的钟点。"),
        ("One night a boy from the other side crawled into our trench, lost and shaking.", "有一天夜里，对面的一个小伙子迷了路，发着抖爬进了我们的战壕。"),
        ("He was my age. We shared a piece of bread and did not say a single word.", "他和我一样大。我们分了一块面包，一句话都没说。"),
        ("Before dawn I pointed him home, and he squeezed my hand once.", "天亮前我给他指了回去的路，他用力握了一下我的手。"),
        ("I never learned his name, but I think of him every time it rains.", "我一直不知道他叫什么，可每次下雨我都会想起他。"),
    ]],
    "space": [[
        ("A long time from now, a little ship will drift between the stars, far from any sun.", "很久很久以后，会有一艘小飞船在群星之间漂流，离所有的太阳都很远。"),
        ("Its only passenger is a girl who counts the planets to fall asleep.", "船上唯一的乘客是个小女孩，她数着行星入睡。"),
        ("One night the radio crackles, and a voice says hello from a world no one has mapped.", "有一天夜里，无线电沙沙作响，一个声音从没人去过的星球向她问好。"),
        ("She answers, and for a whole year they trade songs across the dark.", "她回答了，整整一年，他们隔着黑暗互相唱歌。"),
        ("When her ship finally lands, the whole planet is waiting for her with lights.", "等她的飞船终于降落时，整个星球都点起灯火在等她。"),
        ("So you see, even in the emptiest dark, someone is listening.", "所以你看，就算在最空旷的黑暗里，也总有人在倾听。"),
    ]],
    "forest": [[
        ("Deep in the forest there is an old oak that remembers everything.", "森林深处有一棵老橡树，什么事情它都记得。"),
        ("The fox comes to it when she forgets the way home.", "狐狸忘了回家的路时，就会去找它。"),
        ("The oak rustles its leaves and the wind carries the answer to her ears.", "老橡树沙沙地摇动叶子，风就把答案送到她耳边。"),
        ("One autumn, woodcutters came with axes, and the animals were afraid.", "有一年秋天，伐木人扛着斧头来了，动物们都很害怕。"),
        ("But the oak told them a story so beautiful that they put their axes down.", "可老橡树给他们讲了一个美得不得了的故事，他们就放下了斧头。"),
        ("If you listen carefully on a windy day, you can still hear it telling stories.", "起风的日子里仔细听，你还能听见它在讲故事。"),
    ]],
    "generic": [[
        ("Once upon a time there lived a girl who was never afraid of the dark.", "从前，有个小女孩，她从来不怕黑。"),
        ("Every night she climbed the hill behind her house and counted the stars.", "每天晚上，她都爬上屋后的小山，一颗一颗地数星星。"),
        ("One night a single star was missing, so she set out to find it.", "有一天夜里少了一颗星星，她就出发去找它。"),
        ("She asked the river, the wind and an old owl if they had seen it.", "她问了小河，问了风，还问了一只老猫头鹰，有没有看见那颗星星。"),
        ("The owl told her the star had fallen into the lake to rest.", "猫头鹰告诉她，那颗星星掉进湖里休息去了。"),
        ("So she sat by the water and sang until the star rose up, brighter than before.", "于是她坐在湖边唱歌，一直唱到星星重新升起，比以前更亮了。"),
        ("And that is why the lake still glows on the quietest nights.", "所以直到今天，在最安静的夜里，那片湖还会微微发光。"),
    ], [
        ("In a small town lived a clockmaker whose clocks never told the same time.", "小镇上住着一位钟表匠，他做的钟从来不走同一个时间。"),
        ("People laughed at him, until the day the great bell in the square stopped.", "大家都笑话他，直到有一天，广场上的大钟停了。"),
        ("Nobody knew when to open the shops, when to eat, or when to sleep.", "没人知道什么时候开店，什么时候吃饭，什么时候睡觉。"),
        ("So they went to the clockmaker, and he smiled and opened his door.", "于是大家去找钟表匠，他笑着打开了门。"),
        ("Each of my clocks keeps the time of someone's heart, he said. Choose the one you need.", "他说：我的每一座钟，走的都是某个人心里的时间。挑一座你需要的吧。"),
        ("And from then on, nobody in that town was ever in a hurry again.", "从那以后，镇上再也没有人急匆匆的了。"),
    ]],
}
_STORY_TOPICS = [  # (topic, English regex, Chinese regex); the clause is searched first, then the whole story
    ("ghost", r"ghost\w*|haunt\w*|spirits?|spooky|scary|horror|witch\w*", r"鬼|幽灵|闹鬼|恐怖|巫婆|女巫"),
    ("fairy", r"dragons?|kings?|queens?|princess\w*|princes?|castles?|knights?|fair(?:y|ies)|wizards?|kingdom",
     r"龙|国王|公主|王子|城堡|骑士|魔法|仙"),
    ("war", r"\bwar\b|battles?|soldiers?|armies|army|generals?", r"战争|战场|士兵|将军|军队"),
    ("space", r"space|stars?|planets?|rockets?|moon|astronauts?|galax\w+|aliens?", r"太空|星星|星空|月亮|火箭|宇航|外星|行星"),
    ("sea", r"sea|ocean|fish\w*|sailors?|ships?|storms?|boats?|waves|harbou?r|islands?|whales?", r"海|渔|船|风暴|鲸|岛"),
    ("forest", r"forests?|woods|animals?|fox\w*|bears?|wol(?:f|ves)|deer|trees?", r"森林|动物|狐狸|熊|狼|鹿|树林"),
]
_ANOTHER_STORY = ("Let me tell you another one.", "我再给你讲一个吧。")
_REPLIES = [  # a listener's interjections; {addr} is how a child calls the teller
    ("What happened next, {addr}?", "{addr}，后来呢？"),
    ("Were you scared?", "你害怕吗？"),
    ("Is that really true, {addr}?", "{addr}，这是真的吗？"),
    ("Tell me more, please.", "再多讲一点嘛。"),
    ("Wow... and then?", "哇……然后呢？"),
    ("I'm not sleepy yet.", "我还不困呢。"),
]
_LINES = {  # short lines for reported speech with a clear topic
    "joke": ("Why did the scarecrow win a prize? Because he was outstanding in his field!",
             "为什么海水是咸的？因为鱼一直在出汗啊！"),
    "secret": ("Promise you won't tell anyone... I found the key to the old lighthouse.", "你保证不告诉别人……我找到了旧灯塔的钥匙。"),
    "warning": ("Watch out! Stay back from the edge!", "小心！离边上远一点！"),
    "goodbye": ("Goodbye. Take care of yourself.", "再见，照顾好自己。"),
    "goodnight": ("Good night. Sleep well.", "晚安，好好睡吧。"),
    "greeting": ("Hello there! It's good to see you.", "你好！见到你真高兴。"),
    "thanks": ("Thank you. I really mean it.", "谢谢你，真的。"),
    "apology": ("I'm sorry. I never meant for this to happen.", "对不起，我不是故意的。"),
    "help": ("Help! Somebody, please help!", "救命！谁来帮帮我！"),
    "orders": ("Haul those ropes! Secure everything before it's too late!", "拉紧缆绳！趁还来得及，把东西都固定好！"),
    "prayer": ("Please, keep them safe tonight.", "求求你，今晚保佑他们平安。"),
    "poem": ("The night is long, the sea is deep, and still the lighthouse will not sleep.", "夜漫漫，海深深，灯塔依旧守黄昏。"),
    "countdown": ("Ten, nine, eight, seven, six, five, four, three, two, one. Liftoff!", "十、九、八、七、六、五、四、三、二、一，点火！"),
    "announce": ("Attention, please. The next departure leaves in five minutes.", "请注意，下一班车将在五分钟后出发。"),
    "question": ("What was that sound?", "那是什么声音？"),
    "storm": ("Listen to that wind. It's getting worse.", "听听这风声，越来越大了。"),
    "night": ("It's late. We should get some rest.", "天晚了，我们该休息了。"),
    "remark": ("Did you hear that? Come on, we don't have much time.", "你听到了吗？快点，我们时间不多了。"),
}
_LINE_TOPICS_EN = [("joke", r"jokes?"), ("secret", r"secrets?"), ("warning", r"warn\w*|warning"),
                   ("goodnight", r"good ?night"), ("goodbye", r"goodbye|farewell|bye"),
                   ("greeting", r"hello|\bhi\b|greets?|greeting|welcome"), ("thanks", r"thanks?|thank you|grateful"),
                   ("apology", r"sorry|apologi\w+"), ("help", r"help"), ("orders", r"orders?|commands?"),
                   ("prayer", r"prays?|prayers?"), ("poem", r"poems?|poetry|recites?|rhymes?"),
                   ("countdown", r"counts? down|countdown"), ("announce", r"announc\w+|news")]
_LINE_TOPICS_ZH = [("joke", r"笑话"), ("secret", r"秘密"), ("warning", r"警告|小心"), ("goodnight", r"晚安"),
                   ("goodbye", r"再见|告别|道别"), ("greeting", r"你好|打招呼|问好|欢迎"), ("thanks", r"谢谢|感谢|道谢"),
                   ("apology", r"对不起|道歉"), ("help", r"救命|求救|呼救"), ("orders", r"命令"), ("prayer", r"祈祷|祷告"),
                   ("poem", r"诗"), ("countdown", r"倒数|倒计时"), ("announce", r"宣布|广播|通知")]
_STORY_WORDS_EN = re.compile(r"\b(?:stor(?:y|ies)|tales?|legends?|fables?|narrates?|about his|about her|of his youth|"
                             r"of her youth|memories|bulletins?|reports?|news|articles?|poems?|letters?|diary|journal|"
                             r"speech|lecture|sermon|history)\b", re.I)  # what is read or told at length
_STORY_WORDS_ZH = re.compile(r"故事|传说|往事|讲述|经历|童话|日记|新闻|信|文章|诗|历史|来历|演讲")


# "a story about a whale who sings to ships", "讲述敦煌莫高窟的千年历史": a subject of the user's own, which no bank
# story is about
_SUBJECT_EN = re.compile(r"\b(?:stor(?:y|ies)|tales?|legends?|fables?|history|histories)\s+(?:about|of)\s+(.+)$|"
                         r"\b(?:about|the history of)\s+(.+)$|"
                         r"\b(?:explains?|explained|explaining|describes?|described)\s+((?:how|why|what|where|when)\s.+)$",
                         re.I)
_SUBJECT_ZH = re.compile(r"关于(.+?)的(?:故事|传说|历史)|讲述(?:了|起)?(.+)$|(?:讲|说)(?:了|起)?(?:一个)?(.{2,30}?)的(?:故事|传说|历史)")


def story_subject(clause: str, language: str) -> str | None:
    """The subject a story is asked to be about, when it is specific enough that a bank story would be another
    story ("a whale who sings to ships"); None for a kind of story only ("a ghost story", "讲一个关于海的故事")."""
    m = (_SUBJECT_ZH if language == "zh" else _SUBJECT_EN).search(clause)
    if not m:
        return None
    subject = next(g for g in m.groups() if g)
    if language == "zh":
        subject = re.sub(r"^(?:关于|有关)", "", re.split(r"[，。；！？,]|的时候|同时", subject)[0].strip())
        return subject if len(re.findall(r"[\u4e00-\u9fff]", subject)) >= 4 else None
    subject = re.split(r"[,;.!?]|\s(?:while|as|when|until|before|after)\s", subject)[0].strip()
    content = [w for w in re.findall(r"[A-Za-z']+", subject) if w.lower() not in EN_STOP]
    return subject if len(content) >= 2 else None


def tells_a_story(clause: str, language: str) -> bool:
    return bool((_STORY_WORDS_ZH if language == "zh" else _STORY_WORDS_EN).search(clause))


def story_topic(clause: str, story: str, language: str) -> str:
    """The bank to tell from: the earliest topic word in the clause, else in the whole story."""
    for text in (clause, story):
        best = None
        for topic, en, zh in _STORY_TOPICS:
            m = pattern(en, zh, language).search(text)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), topic)
        if best:
            return best[1]
    return "generic"


def line_topic(text: str, language: str) -> str | None:
    """The topic of a reported line ("tells a joke" → joke), when it names one."""
    for key, pat in (_LINE_TOPICS_ZH if language == "zh" else _LINE_TOPICS_EN):
        if pattern(pat, pat, language).search(text):
            return key
    return None


def topic_line(topic: str, language: str) -> str:
    return _LINES[topic][1 if language == "zh" else 0]


def write_told_stories(draft: Draft) -> None:
    """Turn each 'X tells a story' into lines from the bank, sized to about half the story's length."""
    tellers = [(s, c) for s in draft.scenes for c in s.clips if c.story]
    if not tellers:
        return
    fixed = sum(estimate_speech_seconds(c.text, c.pace) for s in draft.scenes for c in s.clips
                if c.kind == "speech" and not c.story)
    share = max(4.0, 0.5 * draft.target_seconds - fixed) / len(tellers)
    written = []
    unwritten = []
    for scene, request_clip in tellers:
        request = request_clip.story
        lines = _story_lines(draft, request.topic, share)
        # a listener chimes in on a story told to them, not on a guide's or a narrator's description
        listener = None if request.topic.startswith("describe:") else request.listener
        replaced = _with_replies(draft, request_clip.scene, request.teller, listener, request.delivery, lines)
        index = scene.clips.index(request_clip)
        scene.clips[index:index + 1] = replaced
        if request.topic.startswith("subject:"):
            unwritten.append(request.topic.removeprefix("subject:"))
        else:
            written.append(request.teller)
    tellers_named = list(dict.fromkeys(written))
    if tellers_named:
        draft.notes.append(draft.say(
            f"The planner wrote the lines for {', '.join(tellers_named)} from its story bank; edit them freely.",
            f"{'、'.join(tellers_named)}的台词由规划器从故事库中选写，可随意修改。"))
    for subject in unwritten:
        draft.notes.append(draft.say(
            f"The rules planner cannot write the narration about “{subject}”: the narrator only announces it. Write "
            "the lines in the plan table, or plan with a language model (Planner: server or local model).",
            f"规则规划器写不出关于“{subject}”的内容：旁白只念出了题目。请在计划表中写入台词，或改用语言模型规划（规划器：服务器或本地模型）。"))


def description_topic(clause: str, story: str, language: str) -> str | None:
    """The place a narrator describes: the earliest topic word in the clause, else in the whole story; None when the
    bank describes no such place (a bronze vessel's history is not a walk in the park)."""
    for text in (clause, story):
        hits = [(m.start(), topic) for topic, en, zh in DESCRIPTION_TOPICS
                if (m := pattern(en, zh, language).search(text))]
        if hits:
            return min(hits)[1]
    return None


_ANY_STORY = re.compile(r"^(?:(?:a|an|another|some|one|two|three|the)\s+)?(?:[\w-]+\s+){0,2}(?:stor(?:y|ies)|tales?)$|"
                        r"^(?:一个|一段|个|几个)?[\u4e00-\u9fff]{0,2}故事$", re.I)


def only_a_kind_of_story(told: str) -> bool:
    """"a bedtime story", "a ghost story", "一个鬼故事": the bank may tell one; anything more specific it may not."""
    return not told.strip() or bool(_ANY_STORY.match(told.strip(" 。.")))


def _description_lines(draft: Draft, topic: str, seconds: float) -> list[str]:
    """The place's descriptive lines in order, as many as fit in `seconds` (at least three)."""
    lines: list[str] = []
    total = 0.0
    for pair in DESCRIPTIONS[topic]:
        line = draft.say(*pair)
        d = estimate_speech_seconds(line, 0.95) + 0.3
        if len(lines) >= 3 and total + d > seconds:
            break
        lines.append(line)
        total += d
    return lines


def _story_lines(draft: Draft, topic: str, seconds: float) -> list[str]:
    """Lines from the topic's stories first, then the others (seeded order), until `seconds` are filled."""
    if topic.startswith("describe:"):
        return _description_lines(draft, topic.removeprefix("describe:"), seconds)
    if topic.startswith("subject:"):  # nothing in the bank is about it: announce it, invent nothing
        told = topic.removeprefix("subject:")  # "How leafcutter ants farm fungus.", "长江三峡是怎么形成的。"
        return [as_sentence(told, draft.language)]
    first = list(_STORIES.get(topic, []))
    generic = [] if topic == "generic" else list(_STORIES["generic"])
    others = [b for t, banks in _STORIES.items() if t not in (topic, "generic") for b in banks]
    draft.rng.shuffle(first)
    draft.rng.shuffle(generic)
    draft.rng.shuffle(others)
    another = draft.say(*_ANOTHER_STORY)
    lines: list[str] = []
    total = 0.0
    for b, bank in enumerate(first + generic + others):
        told = ([another] if b else []) + [draft.say(*pair) for pair in bank]
        for line in told:
            d = estimate_speech_seconds(line, 0.95) + 0.3
            if lines and total + d > seconds:
                break
            lines.append(line)
            total += d
        else:
            continue
        break
    if lines and lines[-1] == another:
        lines.pop()
    return lines


def _with_replies(draft: Draft, scene: int, teller: str, listener: str | None, delivery: list[str],
                  lines: list[str]) -> list[Clip]:
    """The teller's lines, with the listener chiming in after every third line."""
    person = draft.cast.members[teller].person
    address = ({("male", "elderly"): ("Grandpa", "爷爷"), ("female", "elderly"): ("Grandma", "奶奶")}.get(
        (person.gender, person.age)) or {"Father": ("Dad", "爸爸"), "Mother": ("Mom", "妈妈")}.get(person.name_en))
    replies = list(_REPLIES)
    draft.rng.shuffle(replies)
    clips: list[Clip] = []
    for k, line in enumerate(lines):
        clips.append(draft.cast.line(scene, teller, line, delivery, quoted=False, written=True))
        if listener and len(lines) >= 3 and k % 3 == 1 and k < len(lines) - 1:
            text = draft.say(*replies[(k // 3) % len(replies)])
            if address:
                text = text.replace("{addr}", draft.say(*address))
            else:
                text = text.replace(", {addr}", "").replace("{addr}，", "").replace("{addr}", "")
            reply = draft.cast.line(scene, listener, text, ["curious"] if "?" in text or "？" in text else [],
                                    quoted=False, written=True)
            reply.reply = True
            clips.append(reply)
    return clips
