"""Offline template planner: a story instruction (English or Chinese) → a timed Plan, with no language model.

It follows AudioStory's decomposition (ordered sub-events, one clear caption and a duration per clip, a total
that matches the requested length) with rules and small bilingual word banks instead of an LLM:

1. the target length is read from the arguments or the text ("The total duration is 49.9 seconds.", "2 minutes",
   "总时长为60秒", "一分半钟") and that sentence is removed from the story;
2. the story is cut into clauses; each becomes a sound event, a spoken line (quoted or reported speech, with a
   character and a voice instruction) or music (intro, ending, inline, or a bed under everything);
3. clauses that share a place, time of day and weather form a scene, and each scene gets an ambience bed;
4. durations are shared out so the laid-out total equals the target: speech is estimated from its length, sounds
   and music split the rest within sensible bounds; long targets get more lines and more sound beats instead of
   one very long clip, and speech that cannot fit is shortened with a note.

Everything that is written rather than read from the instruction (storytelling lines, sound beats) comes from
the banks below and is picked with a `random.Random(seed)`, so one seed always gives the same plan.
"""

from __future__ import annotations

import functools
import math
import random
import re
from dataclasses import dataclass, field

from engine.backends.base import Capabilities
from engine.plan import MAX_CAPTION_CHARS, MAX_DURATION_S, MAX_TEXT_CHARS, Character, Plan, Segment, VoiceSpec
from engine.timing import Elastic, fit_durations, foreground_spans

CAPABILITIES = Capabilities(
    name="template-planner",
    model_id="offline-template-planner-v1",
    kinds=(),
    languages=("en", "zh"),
    max_duration=float(MAX_DURATION_S),
    sample_rate=0,
    channels=0,
    licence="part of AudioStory Studio (no model weights)",
)

DEFAULT_DURATION_S = 60.0
MIN_DURATION_S = 5.0
MAX_SOUND_CLIP_S = 30.0  # AudioStory's DiT renders at most 30 s per clip; longer stretches become several beats
MAX_INSTRUCTION_CHARS = 20000

# English ≈ 3.3 words/s (measured on the offline Piper voice with storytelling delivery, pauses included)
EN_WORDS_PER_S = 3.3
ZH_CHARS_PER_S = 4.0

# =====================================================================================================
# Vocabulary. Every written string exists in English and Chinese so the output language can differ
# from the instruction's language.
# =====================================================================================================

# --- sound events ------------------------------------------------------------------------------------
# (key, English regex, Chinese regex, one-shot?, English preposition for a place phrase, keys it makes
#  redundant, variants). A variant is (trigger regex or None, English description, Chinese description);
# the first variant whose trigger matches the clause describes the event, untriggered variants are the
# default and the material for extra "beats" when a scene must be extended. "{at}" marks where a place
# and time phrase go in the English description (else they are appended).
_SOUNDS: list[tuple[str, str, str, bool, str, tuple[str, ...], tuple[tuple[str | None, str, str], ...]]] = [
    ("storm", r"storms?|thunderstorms?|tempests?|hurricanes?|typhoons?", r"暴风雨|风暴|暴雨|台风|飓风", False, "over",
     ("rain", "wind", "thunder", "whistle"), (
         (r"\bpass|\bends?\b|\bclear|\bcalm|subsid|过去|停|平息|放晴",
          "the storm passes, leaving dripping eaves and a calm breeze", "暴风雨渐渐过去，只剩屋檐滴水和微风"),
         (None, "a fierce storm howls{at}, with lashing rain and rolling thunder", "狂风呼啸，暴雨倾泻，雷声滚滚"),
         (r"gather|approach|horizon|brew|build|逼近|聚集|酝酿", "a storm gathers in the distance with low, rolling thunder",
          "远处风暴正在聚集，雷声低沉滚动"),
         (None, "storm winds roar{at} as heavy rain lashes down", "暴风怒吼，大雨猛烈地倾泻而下"),
         (None, "thunder cracks overhead as torrential rain pours down{at}", "头顶雷声炸响，暴雨倾盆而下"),
     )),
    ("rain", r"rain|raining|rains|rainfall|drizzle|downpour|raindrops?", r"雨", False, "on", ("whistle",), (
        (r"\bstops?\b|\bends?\b|\bease|\bclear|停", "the rain eases to a few last drops", "雨渐渐停了，只剩零星的雨滴"),
        (r"light|gentl|soft|drizzl|patter|轻|细雨|小雨|毛毛", "a light rain patters softly{at}", "细雨轻轻地淅淅沥沥落下"),
        (r"window|glass|窗", "rain streaks and taps against the window glass", "雨点不停地敲打着窗玻璃"),
        (r"roof|屋顶|房顶|瓦", "rain drums steadily on the roof{at}", "雨点密集地敲打着屋顶"),
        (None, "heavy rain pours down{at}", "大雨倾盆而下"),
        (None, "steady rain falls{at}, splashing into puddles", "雨持续地下着，溅进水洼里"),
    )),
    ("thunder", r"thunder|thunderclaps?|lightning", r"雷|闪电", True, "", (), (
        (None, "thunder cracks overhead and rolls away into the distance", "头顶炸响一声惊雷，随后滚向远方"),
        (None, "a low rumble of thunder rolls across the sky", "一阵低沉的雷声滚过天空"),
    )),
    ("wind", r"wind|winds|windy|breeze|gusts?|gales?", r"(?<![暴台飓])风(?![暴景格俗味度险采筝车铃])|微风|狂风", False, "across",
     ("whistle",), (
         (r"breeze|gentl|soft|light|rustl|leaves|微风|轻|树叶", "a gentle breeze rustles through the leaves", "微风轻轻拂过树叶"),
         (r"howl|strong|fierce|roar|whistl|狂|呼啸|大风", "strong wind howls and whistles through the gaps",
          "狂风呼啸，从缝隙中尖啸而过"),
         (None, "wind gusts{at} and rattles loose boards", "阵风吹过，松动的木板咔咔作响"),
         (None, "a cold wind sweeps{at}", "一阵冷风呼呼地刮过"),
     )),
    ("waves", r"waves?|surf|sea|seas|ocean|tide|shore", r"海浪|浪花|波浪|浪涛|潮水|潮声|海面|大海|海边", False, "", ("crash",), (
        (r"gentl|\blap|calm|soft|small|\broll|轻|平静", "gentle waves lap against the shore", "海浪轻轻拍打着岸边"),
        (r"hull|boat|ship|船", "waves slap against a wooden hull", "海浪拍打着木船的船身"),
        (None, "waves crash against the rocky shore", "海浪猛烈地拍打着礁石海岸"),
        (None, "the sea surges and breaks on the rocks", "海水涌起，在岩石上碎成浪花"),
    )),
    ("boat", r"boats?|ships?|oars?|rowing|rows|sails|hull|ropes?|deck|mast", r"船|桨|甲板|缆绳|帆", False, "", (), (
        (r"\boars?\b|\brow|桨|划", "oars splash rhythmically as a small boat is rowed", "船桨有节奏地划着水"),
        (r"rope|haul|缆绳|绳", "ropes creak and strain on a wooden ship", "缆绳在木船上吱嘎作响、绷得紧紧的"),
        (r"\bsails?\b|帆", "sails flap and snap in the wind", "船帆在风中噼啪作响"),
        (None, "a wooden boat creaks as it rocks against the dock", "木船靠着码头摇晃，发出吱嘎声"),
        (None, "a ship's timbers groan as it rolls on the swell", "船身随着浪涌摇摆，木头吱吱作响"),
    )),
    ("gulls", r"gulls?|seagulls?", r"海鸥", True, "", ("birds",), (
        (None, "seagulls cry overhead", "海鸥在头顶鸣叫"),
        (None, "a flock of gulls squawks above the water", "一群海鸥在水面上方尖叫"),
    )),
    ("fire", r"fire|fires|fireplace|campfire|bonfire|hearth|flames?|embers|firewood|crackling|crackles",
     r"篝火|炉火|壁炉|火堆|火焰|火光|柴火|(?<![烟焰])火(?![车箭山星锅])", False, "", (), (
         (r"camp|bonfire|篝火", "a campfire crackles and pops{at}", "篝火噼啪作响，火星四溅"),
         (None, "a wood fire crackles and pops in the hearth", "炉火噼啪作响"),
         (None, "flames flicker and a log settles with a soft crack", "火苗跳动，一根木柴轻轻塌落"),
     )),
    ("footsteps", r"footsteps?|steps|walks?|walking|walked|runs|running|ran|hurr(?:y|ies|ied)|paces|stomps|tiptoes?|"
                  r"approach(?:es)?", r"脚步|走|跑|踱步|踮脚", True, "", (), (
        (r"\brun|\bran\b|hurr|rush|跑|匆匆|急", "hurried footsteps run past", "急促的脚步声匆匆跑过"),
        (r"snow|雪", "boots crunch through deep snow", "靴子踩在厚厚的积雪上嘎吱作响"),
        (r"leaves|leaf|树叶|落叶", "footsteps crunch through dry leaves", "脚步踩过干枯的落叶沙沙作响"),
        (r"wood|floor|stair|地板|楼梯", "footsteps creak across wooden floorboards", "脚步踩在木地板上吱吱作响"),
        (None, "slow footsteps crunch across gravel", "缓慢的脚步声踩过碎石路"),
        (None, "footsteps approach steadily", "脚步声渐渐靠近"),
    )),
    ("door", r"doors?|gates?|doorbell", r"门(?!口)", True, "", (), (
        (r"knock|敲", "someone knocks firmly on a wooden door", "有人用力敲着木门"),
        (r"slam|bang|砰|摔|关上", "a door slams shut with a heavy bang", "门砰的一声重重关上"),
        (r"creak|open|吱|打开|推开", "a wooden door creaks slowly open", "木门吱呀一声慢慢打开"),
        (r"bell|门铃", "a doorbell rings twice", "门铃响了两声"),
        (None, "a door opens and closes with a click", "门开了又关上，咔哒一声"),
    )),
    ("dog", r"dogs?|barks?|barking|pupp(?:y|ies)|hounds?", r"狗|犬|汪汪", True, "", (), (
        (None, "a dog barks loudly nearby", "附近一只狗大声吠叫"),
        (None, "a dog barks twice in the distance", "远处传来两声狗叫"),
    )),
    ("cat", r"cats?|meows?|kittens?|purrs?|purring", r"猫(?!头鹰)|喵", True, "", (), (
        (r"purr|呼噜", "a cat purrs contentedly", "一只猫满足地打着呼噜"),
        (None, "a cat meows softly", "一只猫轻轻地喵喵叫"),
    )),
    ("woodpecker", r"woodpeckers?", r"啄木鸟", True, "", ("birds", "drums"), (
        (None, "a woodpecker taps rapidly on a tree trunk", "啄木鸟在树干上快速地笃笃啄着"),
    )),
    ("rooster", r"roosters?|cock-a-doodle", r"公鸡|鸡鸣|鸡叫|打鸣", True, "", ("crow", "birds"), (
        (None, "a rooster crows at dawn", "一只公鸡在清晨打鸣"),
    )),
    ("crow", r"crows|ravens?|caws?", r"乌鸦", True, "", ("birds",), (
        (None, "a crow caws from a bare branch", "一只乌鸦在枯枝上呱呱叫"),
    )),
    ("owl", r"owls?|hoots?|hooting", r"猫头鹰", True, "", ("birds",), (
        (None, "an owl hoots softly in the dark", "一只猫头鹰在黑暗中轻声鸣叫"),
        (None, "a distant owl calls twice", "远处一只猫头鹰叫了两声"),
    )),
    ("birds", r"birds?|birdsong|sparrows?|songbirds?|robins?|blackbirds?", r"鸟|啁啾|叽叽喳喳", False, "", (), (
        (r"dawn|morning|wake|sunrise|清晨|早|黎明", "a dawn chorus of birds chirps and sings", "清晨的鸟儿叽叽喳喳地歌唱"),
        (None, "birds chirp and sing in the trees", "鸟儿在树上鸣唱"),
        (None, "a songbird trills a bright melody", "一只鸣禽婉转地啼叫"),
    )),
    ("wolf", r"wol(?:f|ves)", r"狼(?![狈吞])", True, "", (), (
        (None, "wolves howl in the distance", "远处传来狼嚎"),
    )),
    ("insects", r"crickets?|insects?|cicadas?", r"蟋蟀|虫鸣|虫子|蝉|知了|蛐蛐", False, "", (), (
        (r"cicada|蝉|知了", "cicadas buzz loudly in the summer heat", "夏日里蝉声聒噪"),
        (None, "crickets chirp steadily in the grass", "蟋蟀在草丛中不停地鸣叫"),
    )),
    ("bees", r"bees?|buzz(?:es|ing)?|flies|mosquito(?:es)?", r"蜜蜂|苍蝇|蚊子", False, "", (), (
        (None, "bees buzz around the flowers", "蜜蜂在花丛间嗡嗡飞舞"),
    )),
    ("frog", r"frogs?|croak\w*", r"青蛙|蛙", False, "", (), (
        (None, "frogs croak by the pond", "池塘边青蛙呱呱地叫"),
    )),
    ("stream", r"streams?|brooks?|creeks?|rivers?|babbl\w*|waterfalls?", r"溪|河(?!畔|边)|瀑布|流水", False, "", (), (
        (r"waterfall|瀑布", "a waterfall roars and splashes onto rocks", "瀑布轰鸣着冲向岩石"),
        (r"river|河", "a river flows steadily past", "河水平稳地流过"),
        (None, "a stream babbles over smooth stones", "溪水潺潺流过光滑的石头"),
    )),
    ("horse", r"horses?|hooves|hoofbeats|gallop(?:s|ing)?|neigh(?:s|ing)?|whinn\w*",
     r"马蹄|骏马|马儿|马车|骑马|奔马|战马|马嘶|一匹马|马群", True, "", (), (
         (r"neigh|whinn|嘶", "a horse neighs and snorts", "一匹马嘶鸣着打着响鼻"),
         (r"cart|carriage|马车", "a horse-drawn cart rattles down a cobbled road", "马车在石板路上咔哒作响"),
         (None, "horse hooves gallop across hard ground", "马蹄在坚硬的地面上疾驰"),
     )),
    ("donkey", r"donkeys?|mules?|brays?", r"驴", True, "", (), (
        (None, "a donkey brays loudly", "一头驴大声地叫着"),
    )),
    ("farm", r"cows?|moo|sheep|lambs?|goats?|bleat\w*", r"牛(?!奶)|羊", True, "", (), (
        (r"sheep|lamb|goat|bleat|羊", "sheep bleat in a field", "羊群在田野里咩咩叫"),
        (None, "cows moo in a nearby field", "附近田野里牛哞哞地叫"),
    )),
    ("beast", r"lions?|tigers?|bears?|monsters?", r"狮|老虎|虎啸|熊(?!猫)|怪兽|怪物", True, "", (), (
        (r"monster|怪", "a monster growls deep and low", "怪物发出低沉的咆哮"),
        (None, "a lion roars powerfully", "一头狮子发出雄浑的吼声"),
    )),
    ("dragon", r"dragons?", r"龙(?!卷)", True, "", (), (
        (None, "a dragon roars and beats its huge wings", "巨龙咆哮着扇动巨大的翅膀"),
    )),
    ("car", r"cars?|traffic|engines?|trucks?|honks?|honking|horns?|motorcycles?|motorbikes?|taxis?|tyres|tires|brakes",
     r"汽车|轿车|卡车|车流|喇叭|鸣笛|引擎|发动机|摩托|出租车|刹车", True, "", (), (
         (r"honk|horn|喇叭|鸣笛", "cars honk in heavy traffic", "车流中汽车喇叭声此起彼伏"),
         (r"brake|screech|刹车", "tyres screech as a car brakes hard", "汽车急刹，轮胎发出刺耳的尖叫"),
         (r"truck|卡车", "a truck rumbles past", "一辆卡车隆隆驶过"),
         (None, "a car engine starts and drives away", "汽车发动引擎后驶离"),
         (None, "traffic hums steadily", "车流声持续不断"),
     )),
    ("bus", r"bus|buses", r"公交|公共汽车|巴士|大巴", True, "", ("car", "door"), (
        (None, "a bus pulls up with a hiss of air brakes and its doors fold open", "公交车进站，气刹嘶的一声，车门打开"),
    )),
    ("train", r"trains?|railway|locomotives?|tracks|rails", r"火车|列车|铁轨|地铁|高铁", False, "", ("car", "whistle"), (
        (r"whistle|汽笛|鸣笛", "a steam train whistle blows as the engine chugs", "蒸汽火车拉响汽笛，车头突突作响"),
        (r"wheel|clatter|tracks|车轮|哐当", "train wheels clatter rhythmically over the tracks", "火车车轮有节奏地哐当哐当驶过铁轨"),
        (None, "a train rumbles past on the tracks", "一列火车在铁轨上隆隆驶过"),
    )),
    ("plane", r"(?:air)?planes?|jets?|helicopters?|aircraft", r"飞机|直升机|喷气", True, "", (), (
        (r"helicopter|直升机", "a helicopter's rotors thump overhead", "直升机旋翼在头顶嗡嗡作响"),
        (None, "a jet plane roars overhead", "一架喷气式飞机从头顶轰鸣而过"),
    )),
    ("rocket", r"rockets?|spacecraft|spaceships?|launch\w*|lift-?off|thrusters?", r"火箭|飞船|发射|推进器", False, "",
     ("car",), (
         (r"launch|ignit|lift|发射|点火", "rocket engines ignite with a deafening roar and the ground shakes",
          "火箭引擎点火，发出震耳欲聋的轰鸣，大地震颤"),
         (r"climb|sky|rise|升空|天空", "the rocket's roar fades as it climbs into the sky", "火箭的轰鸣声随着升空渐渐远去"),
         (None, "a spaceship engine hums and powers up", "飞船引擎嗡嗡启动"),
     )),
    ("siren", r"sirens?|ambulances?|police cars?|fire engines?", r"警笛|救护车|警车|消防车", True, "", ("car",), (
        (None, "a siren wails as it speeds past", "警笛呼啸着疾驰而过"),
    )),
    ("bell", r"bells?|chimes?|jingles?|tolls?", r"钟声|铃声|铃铛|敲钟|风铃|钟响|叮当|叮铃", True, "", (), (
        (r"church|toll|教堂|敲钟", "a church bell tolls slowly", "教堂的钟声缓缓敲响"),
        (r"jingle|sleigh|叮当|铃铛", "small bells jingle brightly", "小铃铛清脆地叮当作响"),
        (r"wind chime|风铃", "wind chimes tinkle in the breeze", "风铃在微风中叮叮作响"),
        (None, "a bell rings clearly", "一声清脆的铃响"),
    )),
    ("clock", r"clocks?|ticking|tick-tock|ticks|strikes (?:midnight|twelve|one|two|three|noon)", r"时钟|钟表|挂钟|座钟|滴答",
     True, "", ("bell",), (
         (r"strik|chime|midnight|twelve|敲响|报时|午夜|十二下", "a grandfather clock strikes twelve with deep chimes",
          "老式座钟敲响十二下，钟声低沉"),
         (None, "a clock ticks steadily in a quiet room", "安静的房间里时钟滴答作响"),
     )),
    ("crowd", r"crowds?|chatter\w*|audiences?|vendors?|passers-?by|bustl\w*|murmur of voices",
     r"人群|人声|喧闹|嘈杂|热闹|小贩|叫卖|行人", False, "", (), (
         (r"shout|vendor|call|叫卖|小贩", "market vendors call out over a bustling crowd", "小贩的叫卖声在熙熙攘攘的人群中此起彼伏"),
         (None, "a crowd murmurs and chatters", "人群低声交谈，嘈杂一片"),
     )),
    ("applause", r"applau\w*|clapping|claps|cheers|cheering", r"掌声|鼓掌|欢呼", True, "", (), (
        (None, "an audience bursts into applause and cheering", "观众爆发出热烈的掌声和欢呼"),
    )),
    ("laugh", r"laugh(?:s|ing|ter|ed)?|giggl\w*", r"笑声|大笑|哈哈|咯咯", True, "", (), (
        (r"child|kid|孩子|咯咯", "children giggle happily", "孩子们咯咯地笑"),
        (None, "people laugh warmly together", "人们一起开心地大笑"),
    )),
    ("baby", r"bab(?:y|ies)|infants?", r"婴儿|宝宝", True, "", ("laugh",), (
        (r"laugh|giggl|笑", "a baby giggles", "婴儿咯咯地笑"),
        (r"sleep|lull|睡", "a baby coos sleepily", "婴儿困倦地咿呀着"),
        (None, "a baby cries", "婴儿哇哇大哭"),
    )),
    ("cough", r"cough(?:s|ing|ed)?|sneez\w*|clears? (?:his|her|their) throat", r"咳嗽|喷嚏|清了清嗓子", True, "", (), (
        (None, "someone coughs quietly", "有人轻轻咳嗽了一声"),
    )),
    ("breath", r"breath(?:es|ing)?|pants|panting|gasps?", r"呼吸|喘气|喘息", True, "", (), (
        (None, "heavy, ragged breathing", "沉重而急促的呼吸声"),
    )),
    ("heartbeat", r"heart ?beats?|heart pound\w*|pulse", r"心跳", True, "", (), (
        (None, "a heartbeat thumps slowly", "心脏缓慢地怦怦跳动"),
    )),
    ("snore", r"snor\w+|asleep|sleeps|sleeping", r"打呼|鼾|睡着", True, "", (), (
        (None, "someone snores softly", "有人轻声打着鼾"),
    )),
    ("glass", r"glass(?:es)?|shatter\w*|smash\w*", r"玻璃|打碎|碎裂", True, "", (), (
        (r"clink|toast|碰杯", "glasses clink in a toast", "玻璃杯碰在一起叮当作响"),
        (None, "glass shatters on a hard floor", "玻璃在坚硬的地面上摔得粉碎"),
    )),
    ("dishes", r"cups?|mugs?|plates?|dishes|cutlery|spoons?|saucers?|teapots?|clinks?|clinking",
     r"杯子|茶杯|碗|盘子|碟|餐具|勺子|倒茶|碰杯", True, "", ("glass",), (
         (r"pour|tea|coffee|倒", "tea is poured into a porcelain cup", "茶水倒进瓷杯里"),
         (None, "cups and dishes clink on a table", "杯碗碟盘在桌上叮当作响"),
     )),
    ("cooking", r"cook(?:s|ing)?|sizzl\w*|fr(?:y|ies|ying)|pans?|bacon|chopp\w*|knife", r"炒|煎|滋滋|锅|切菜|菜刀", True, "", (), (
        (r"chop|knife|切", "a knife chops vegetables on a wooden board", "菜刀在木砧板上切菜，笃笃作响"),
        (None, "food sizzles in a hot pan", "热锅里的食物滋滋作响"),
    )),
    ("kettle", r"kettles?|boil(?:s|ing)?", r"水壶|烧水|水开|壶", True, "", ("whistle",), (
        (None, "a kettle comes to the boil and whistles", "水壶烧开，发出尖锐的鸣叫"),
    )),
    ("children", r"children|kids|playground", r"孩子们|小孩们|儿童|小朋友们|嬉戏", False, "", ("laugh",), (
        (None, "children laugh and play{at}", "孩子们欢笑着嬉戏打闹"),
    )),
    ("snow", r"snow\w*|blizzards?|sleet|hail", r"雪|冰雹", False, "across", (), (
        (r"crunch|step|walk|踩", "boots crunch through deep snow", "靴子踩在厚厚的积雪上嘎吱作响"),
        (r"blizzard|暴风雪", "a blizzard howls, driving snow sideways", "暴风雪呼啸，雪花横飞"),
        (None, "a cold wind carries soft snowfall{at}", "寒风卷着细雪轻轻飘落"),
    )),
    ("leaves", r"(?:the|dry|fallen|autumn|green|dead|of|through|in|on) leaves|leaf|branch(?:es)?|twigs?|rustl\w*|"
               r"undergrowth|bushes", r"树叶|落叶|树枝|沙沙|灌木", False, "", (), (
        (r"snap|break|crack|折断|咔", "a twig snaps underfoot", "脚下一根树枝咔嚓折断"),
        (None, "leaves rustle in the breeze", "树叶在风中沙沙作响"),
        (None, "dry leaves skitter along the ground", "干枯的树叶在地上沙沙滚动"),
    )),
    ("floor", r"floorboards?|staircase|stairs|creaky floor", r"地板|楼梯", True, "", (), (
        (r"stair|楼梯", "old stairs creak under slow footsteps", "老旧的楼梯在缓慢的脚步下吱吱作响"),
        (None, "old floorboards creak under a slow weight", "老旧的地板在缓慢的重压下吱吱作响"),
    )),
    ("water", r"drips?|dripping|droplets?|faucets?|puddles?|splash\w*|swim\w*|dives?", r"滴水|水滴|水龙头|水花|游泳|跳进水|溅",
     True, "", (), (
         (r"splash|swim|dive|水花|游泳|跳进|溅", "someone splashes into the water", "有人扑通一声跳进水里，水花四溅"),
         (None, "water drips slowly and echoes", "水一滴一滴缓慢落下，发出回声"),
     )),
    ("explosion", r"explo\w+|blasts?|bombs?|booms?|cannons?", r"爆炸|炸开|炮", True, "", (), (
        (r"cannon|炮", "cannons fire with thunderous booms", "大炮轰鸣，震耳欲聋"),
        (None, "a loud explosion booms and debris rains down", "一声巨响爆炸，碎片纷纷落下"),
    )),
    ("gun", r"gunshots?|guns?|gunfire|shots?|rifles?|pistols?", r"枪", True, "", (), (
        (None, "gunshots ring out and echo", "枪声响起，回声不断"),
    )),
    ("sword", r"swords?|blades?|clash(?:es|ing)?|duels?", r"剑|兵器", True, "", (), (
        (None, "swords clash with ringing metal", "刀剑相交，金属铿锵作响"),
    )),
    ("drums", r"(?<!rain )(?<!hail )(?<!pecker )(?<!fingers )\bdrums?|drumming|drumbeats?", r"战鼓|鼓声|鼓(?![掌励])", False, "",
     (), (
         (r"war|battle|arm(?:y|ies)|战", "war drums pound a steady rhythm", "战鼓隆隆，节奏沉稳"),
         (None, "drums beat a steady rhythm", "鼓点敲出稳定的节奏"),
     )),
    ("machine", r"machines?|machinery|factory|drills?|hammers?|saws?|hums?|humming|whirr?\w*|beeps?|beeping|computers?",
     r"机器(?!人)|工厂|电钻|锤|锯|哔哔|电脑", False, "", (), (
         (r"\bhums?\b|humming|whir|嗡", "machines hum and whir steadily", "机器平稳地嗡嗡运转"),
         (r"beep|哔", "electronic beeps chirp from a console", "控制台发出电子哔哔声"),
         (r"hammer|锤", "a hammer strikes metal repeatedly", "锤子反复敲击金属"),
         (r"\bsaws?\b|锯", "a saw cuts through wood", "锯子来回锯着木头"),
         (None, "machines hum and whir steadily", "机器平稳地嗡嗡运转"),
     )),
    ("robot", r"robots?|servos?", r"机器人", True, "", (), (
        (r"beep|chirp|哔", "a small robot beeps and chirps", "一个小机器人哔哔作响"),
        (None, "a robot's servos whir as it moves", "机器人的伺服电机随着动作嗡嗡作响"),
    )),
    ("phone", r"(?:tele|cell)?phones?|ringtones?", r"电话|手机", True, "", ("bell",), (
        (None, "a telephone rings", "电话铃声响起"),
    )),
    ("typing", r"typ(?:es|ing)|keyboards?|typewriters?", r"键盘|打字", True, "", (), (
        (r"typewriter|打字机", "a typewriter clacks and dings", "打字机咔嗒作响，叮的一声换行"),
        (None, "fingers type quickly on a keyboard", "手指在键盘上飞快地敲击"),
    )),
    ("writing", r"pens?|pencils?|writes|writing|scribbl\w*", r"写字|钢笔|铅笔|笔尖|书写", True, "", (), (
        (None, "a pen scratches across paper", "笔尖在纸上沙沙书写"),
    )),
    ("pages", r"pages?|books?|newspapers?", r"翻书|书页|翻页|报纸", True, "", (), (
        (None, "pages of a book turn softly", "书页被轻轻翻动"),
    )),
    ("keys", r"keys|locks?|unlocks?|padlocks?", r"钥匙|锁", True, "", (), (
        (None, "keys jingle and a lock clicks open", "钥匙叮当作响，锁咔哒一声打开"),
    )),
    ("coins", r"coins?|money|cash registers?", r"硬币|钱币|收银", True, "", ("bell",), (
        (None, "coins jingle in a leather pouch", "皮钱袋里的硬币叮当作响"),
    )),
    ("fireworks", r"fireworks?|firecrackers?", r"烟花|鞭炮|爆竹|烟火", True, "", ("explosion", "fire"), (
        (None, "fireworks whistle up and burst with loud cracks", "烟花呼啸升空，噼啪炸开"),
    )),
    ("alarm", r"alarms?", r"闹钟|警报", True, "", ("clock",), (
        (r"clock|闹钟", "an alarm clock rings loudly", "闹钟响个不停"),
        (None, "an alarm blares urgently", "警报急促地鸣响"),
    )),
    ("quake", r"earthquakes?|tremors?|the ground shakes", r"地震|地面震动|大地震颤", True, "", (), (
        (None, "the ground rumbles and shakes as an earthquake hits", "大地隆隆作响，剧烈摇晃"),
    )),
    ("crash", r"collaps\w*|thuds?|topples?|crash(?:es|ed)? (?:down|to the ground)", r"倒塌|坍塌|轰然倒下", True, "", (), (
        (None, "something heavy crashes to the ground with a thud", "重物轰然倒地，发出沉闷的声响"),
    )),
    ("magic", r"magic(?:al)?|spells?|sparkl\w*|wands?|enchant\w*", r"魔法|咒语|魔杖", True, "", (), (
        (None, "a shimmering magical chime sparkles and swells", "魔法的光芒闪烁，伴随着清脆的叮咚声"),
    )),
    ("whistle", r"whistl(?:es?|ing)", r"口哨|哨声|吹哨", True, "", (), (
        (None, "someone whistles a short tune", "有人吹起一段短短的口哨"),
    )),
    ("bicycle", r"bicycles?|bikes?|cyclists?", r"自行车|单车", True, "", ("bell",), (
        (None, "a bicycle bell rings as wheels whir past", "自行车铃叮铃一响，车轮飞驰而过"),
    )),
]

# Sounds a human makes: when the clause names who makes it, the clause itself is the better caption.
_HUMAN_SOUNDS = {"laugh", "cough", "breath", "snore", "whistle"}
# One-shot sounds that recur naturally, so long scenes may repeat them as beats.
_RECURRING = {"thunder", "gulls", "dog", "owl", "crow", "wolf", "horse", "donkey", "farm", "sword", "gun", "explosion",
              "car", "bell", "laugh", "applause", "footsteps", "drums", "water", "woodpecker", "cat", "beast", "dragon",
              "plane", "siren", "dishes", "cooking", "pages", "typing", "writing", "coins", "floor"}
_GENERIC_BEATS = {
    False: [("a soft breeze passes", "一阵微风轻轻吹过", False), ("a distant bird calls", "远处传来一声鸟鸣", True),
            ("leaves stir in a gust of wind", "一阵风吹过，树叶簌簌作响", False),
            ("distant, indistinct sounds drift by", "远处传来模糊的声响", False)],
    True: [("floorboards creak in the next room", "隔壁房间的地板吱吱作响", False),
           ("a clock ticks on the wall", "墙上的时钟滴答作响", False),
           ("the house settles with a soft creak", "房子发出轻微的吱嘎声", False),
           ("a chair creaks as someone shifts", "有人挪了挪身子，椅子吱呀作响", True)],
}
# Weather recorded on the scene (and so in its ambience bed) when a clause mentions it.
_WEATHER_CLEARS = re.compile(r"\b(?:stops?|stopped|ends?|ended|passes|passed|clears?|cleared|calms?|dies down|"
                             r"subsides?|eases?)\b|停|过去|放晴|平息", re.I)


@dataclass(frozen=True)
class _Setting:
    key: str
    en: str
    zh: str
    indoor: bool
    bed: tuple[str, str]  # ambience caption by day (en, zh)
    night: tuple[str, str] | None  # by night, when it differs
    beats: tuple[tuple[str, str], ...]  # extra sound beats for long stories
    en_phrase: str  # short place phrase for captions ("by the sea")
    zh_phrase: str


_SETTINGS: list[_Setting] = [
    _Setting("coast", r"fishing village|harbou?rs?|ports?|coast(?:al)?|seaside|beach(?:es)?|shore|islands?|lighthouses?|bay",
             r"渔村|海边|海岸|港口|码头|海滩|沙滩|海岛|灯塔|海湾", False,
             ("waves washing on the shore with distant gulls", "海浪冲刷着海岸，远处海鸥鸣叫"),
             ("waves washing on the shore in the dark", "夜色中海浪冲刷着海岸"),
             (("distant waves boom against the harbour wall", "远处的海浪拍打着港口堤岸"),
              ("a buoy bell clangs slowly out on the water", "海面上浮标的铃铛缓缓作响"),
              ("a gust of salty wind rattles a loose shutter", "一阵带着咸味的海风吹得松动的百叶窗咔咔作响")),
             "by the sea", "海边"),
    _Setting("sea", r"at sea|open sea|ocean|on deck|aboard|sailing|voyage|ship|deck", r"海上|甲板|船上|航行", False,
             ("open sea swell with wind in the rigging", "海上的涌浪声与索具间的风声"), None,
             (("the ship's hull groans on a long swell", "船身在长长的涌浪中嘎吱作响"),
              ("rigging rattles in the wind", "索具在风中哗啦作响"),
              ("a wave breaks over the bow with a heavy splash", "一个浪头打上船头，水花四溅")),
             "at sea", "海上"),
    _Setting("forest", r"forests?|woods|woodland|jungle", r"森林|树林|丛林", False,
             ("birdsong and rustling leaves in a forest", "森林里鸟鸣声和树叶沙沙声"),
             ("crickets and a soft breeze in a dark forest", "夜晚的森林里虫鸣阵阵，微风轻拂"),
             (("a branch snaps somewhere in the undergrowth", "灌木丛中某处一根树枝咔嚓折断"),
              ("a small animal scurries through dry leaves", "一只小动物窜过干燥的落叶"),
              ("a distant bird calls across the trees", "远处一只鸟的叫声穿过树林")),
             "in the forest", "森林里"),
    _Setting("lab", r"lab|laboratory|laboratories|control room", r"实验室|控制室", True,
             ("low hum of lab equipment with soft beeps", "实验室设备低沉的嗡嗡声和轻微的哔哔声"), None,
             (("a cooling fan whirs up and settles", "散热风扇呼呼转起又慢慢平息"),
              ("a console beeps three times", "控制台哔哔响了三声")),
             "in the lab", "实验室里"),
    _Setting("space", r"space ?station|in space|orbit|cockpit", r"太空|空间站|轨道|驾驶舱", True,
             ("low hum of a spaceship interior", "飞船舱内低沉的嗡嗡声"), None,
             (("air vents hiss softly", "通风口轻轻嘶嘶作响"), ("a hatch seals with a hydraulic hiss", "舱门伴着液压声密封关闭")),
             "aboard the ship", "飞船里"),
    _Setting("train", r"on (?:a|the) train|train carriages?|carriages?|compartments?|tracks|railway", r"车厢|火车上|列车上|铁轨",
             True, ("the steady rumble and sway of a train carriage", "火车车厢平稳的隆隆声与摇晃"), None,
             (("wheels clatter over a rail joint", "车轮碾过铁轨接缝哐当作响"), ("the carriage sways and creaks", "车厢摇晃着吱吱作响"),
              ("a distant train horn sounds", "远处传来火车汽笛声")),
             "on the train", "车厢里"),
    _Setting("station", r"(?:train |bus )?stations?|platforms?|airports?|terminals?", r"车站|站台|机场|候车", True,
             ("echoing station hall with distant footsteps and voices", "车站大厅里回荡的脚步声与远处的人声"), None,
             (("a departure announcement chimes in the hall", "大厅里响起发车提示音"),
              ("suitcase wheels roll across the floor", "行李箱轮子在地面上滚过")),
             "at the station", "车站里"),
    _Setting("cafe", r"caf[eé]s?|coffee shops?|restaurants?|\bbar\b|pubs?|taverns?|diners?|canteens?",
             r"咖啡馆|咖啡厅|餐厅|饭馆|酒吧|酒馆|茶馆", True,
             ("a busy cafe murmur with clinking cups", "咖啡馆里低声交谈，杯碟轻碰"), None,
             (("an espresso machine hisses and gurgles", "咖啡机嘶嘶作响"), ("cups clink on saucers", "杯子轻碰碟子"),
              ("a chair scrapes across the floor", "椅子在地板上拖动")),
             "in the cafe", "咖啡馆里"),
    _Setting("library", r"librar(?:y|ies)|reading room", r"图书馆|阅览室", True,
             ("a hushed library with faint page turns", "安静的图书馆里传来轻微的翻书声"), None,
             (("a chair creaks softly", "一把椅子轻轻吱了一声"), ("someone sets a book down on a table", "有人把书轻轻放在桌上")),
             "in the library", "图书馆里"),
    _Setting("kitchen", r"kitchens?", r"厨房", True,
             ("a warm kitchen with a humming fridge", "温暖的厨房里冰箱低声嗡嗡作响"), None,
             (("a pot lid rattles as water simmers", "锅盖随着水沸腾咔咔作响"), ("a spoon clinks against a bowl", "勺子碰着碗叮当作响")),
             "in the kitchen", "厨房里"),
    _Setting("market", r"markets?|bazaars?|stalls?|\bfair\b", r"集市|市场|菜市场|庙会|市集", False,
             ("busy market chatter with distant calls", "热闹的集市人声鼎沸"), None,
             (("a vendor calls out prices", "小贩高声叫卖"), ("a cart rattles over cobblestones", "推车在石子路上咔哒作响")),
             "at the market", "集市上"),
    _Setting("city", r"cit(?:y|ies)|streets?|towns?|downtown|avenues?|rush hour|sidewalks?", r"城市|街道|街上|街头|市中心|马路|早高峰|城里",
             False, ("distant city traffic and passers-by", "远处城市的车流声和行人声"),
             ("quiet city streets with distant traffic", "夜晚安静的街道，远处偶有车声"),
             (("a car horn honks in the distance", "远处传来一声汽车喇叭"), ("a bus rumbles past", "一辆公交车隆隆驶过"),
              ("footsteps and snippets of conversation pass by", "脚步声和零星的交谈声从身边经过")),
             "in the city", "城市里"),
    _Setting("battle", r"battlefields?|battles?|\bwar\b|armies|army", r"战场|战斗|战争|军队", False,
             ("distant battle rumble and shouting", "远处战场的轰鸣与呐喊"), None,
             (("distant cannons rumble", "远处大炮轰鸣"), ("armour clanks as soldiers march", "士兵行进，盔甲铿锵")),
             "on the battlefield", "战场上"),
    _Setting("cave", r"caves?|caverns?|tunnels?|mines?|dungeons?", r"山洞|洞穴|隧道|矿井|地牢", True,
             ("dripping water echoing in a cave", "山洞里滴水的回声"), None,
             (("water drips and echoes off stone", "水滴落在石头上，回声荡漾"), ("pebbles tumble down a rocky slope", "碎石从岩坡上滚落")),
             "in the cave", "山洞里"),
    _Setting("church", r"church(?:es)?|cathedrals?|temples?|chapels?|monaster(?:y|ies)", r"教堂|寺庙|庙里|修道院", True,
             ("a reverberant, hushed church hall", "空旷肃穆、带混响的教堂大厅"), None,
             (("a distant bell tolls once", "远处的钟声敲响一下"), ("a candle flickers as a door sighs shut", "一扇门轻轻关上，烛火摇曳")),
             "in the church", "教堂里"),
    _Setting("hospital", r"hospitals?|wards?|clinics?", r"医院|病房|诊所", True,
             ("a quiet hospital corridor with beeping monitors", "安静的医院走廊里监护仪哔哔作响"), None,
             (("a trolley rolls past", "推车从走廊经过"), ("a monitor beeps steadily", "监护仪平稳地哔哔作响")),
             "in the hospital", "医院里"),
    _Setting("house", r"houses?|homes?|rooms?|bedrooms?|living rooms?|cabins?|huts?|cottages?|inside|indoors|apartments?|"
                      r"attics?|halls?|castles?",
             r"房子|屋里|屋内|家里|房间|卧室|客厅|小屋|木屋|室内|阁楼|城堡", True,
             ("quiet room tone with a ticking clock", "安静的室内，时钟滴答作响"),
             ("a quiet house at night with a ticking clock", "夜里安静的屋子，时钟滴答"),
             (("floorboards creak in the next room", "隔壁房间的地板吱吱作响"), ("a clock ticks on the wall", "墙上的时钟滴答作响"),
              ("the house settles with a soft creak", "房子发出轻微的吱嘎声")),
             "indoors", "屋里"),
    _Setting("mountain", r"mountains?|cliffs?|peaks?|hills?|valleys?", r"山上|山顶|山谷|悬崖|高山|群山", False,
             ("cold wind across a mountainside", "山间呼啸的冷风"), None,
             (("wind whistles over a rocky ridge", "风从岩石山脊上呼啸而过"), ("a hawk cries high above", "一只鹰在高空鸣叫")),
             "in the mountains", "山里"),
    _Setting("desert", r"deserts?|dunes?", r"沙漠|沙丘", False,
             ("dry wind over sand dunes", "干燥的风吹过沙丘"), None,
             (("sand hisses in a gust of wind", "一阵风吹过，沙子沙沙作响"),),
             "in the desert", "沙漠里"),
    _Setting("river", r"rivers?|lakes?|ponds?|riverbanks?", r"河边|湖边|池塘|溪边|河畔|湖畔", False,
             ("a gently flowing river with birds", "河水缓缓流淌，鸟儿轻鸣"), ("a calm river at night with frogs", "夜晚平静的河边，蛙声阵阵"),
             (("a fish splashes in the water", "一条鱼跃出水面，溅起水花"),),
             "by the river", "河边"),
    _Setting("park", r"parks?|gardens?|playgrounds?", r"公园|花园|操场|游乐场", False,
             ("birds and distant voices in a park", "公园里鸟鸣声与远处的人声"), None,
             (("children's voices drift from a playground", "远处游乐场传来孩子们的声音"),),
             "in the park", "公园里"),
    _Setting("village", r"villages?|farms?|countryside|meadows?|fields?|barns?", r"村庄|村子|乡村|农场|田野|草地|农村", False,
             ("quiet countryside with distant birds and a light breeze", "宁静的乡村，远处鸟鸣，微风轻拂"),
             ("quiet countryside at night with crickets", "夜晚宁静的乡村，蟋蟀鸣叫"),
             (("a rooster crows far off", "远处一只公鸡啼叫"), ("a dog barks at a distant farm", "远处农场传来狗叫"),
              ("a cart creaks along a dirt road", "一辆推车沿着土路吱吱呀呀地走过")),
             "in the village", "村子里"),
]

_TIMES: list[tuple[str, str, str, tuple[str, str]]] = [
    # (key, English regex, Chinese regex, (English phrase, Chinese phrase))
    ("dawn", r"dawn|sunrise|daybreak|early morning|first light", r"黎明|清晨|拂晓|日出|破晓", ("at dawn", "清晨")),
    ("morning", r"morning", r"早上|上午|早晨|早高峰|早间", ("in the morning", "早上")),
    ("day", r"noon|midday|afternoon|daytime", r"中午|下午|白天|正午", ("in the afternoon", "下午")),
    ("evening", r"evening|dusk|sunset|twilight", r"傍晚|黄昏|日落", ("at dusk", "黄昏")),
    ("night", r"night\w*|midnight", r"夜|晚上|午夜|深夜|半夜", ("at night", "夜晚")),
]

_ENVIRONMENTS = {"forest": ("forest", "森林"), "city": ("city", "城市"), "coast": ("beach", "海边"), "cave": ("cave", "山洞"),
                 "church": ("church", "教堂"), "village": ("countryside", "乡村"), "station": ("hall", "大厅"),
                 "market": ("street", "街道")}
_WEATHER_BED = {  # (outdoors en, outdoors zh, indoors en, indoors zh)
    "storm": ("steady rain and wind", "持续的风雨声", "muffled rain and wind outside", "屋外隐约的风雨声"),
    "rain": ("steady rain", "持续的雨声", "steady rain drumming on the roof", "屋顶上持续的雨声"),
    "snow": ("cold wind carrying snow", "寒风夹着飞雪", "a soft winter wind outside", "屋外轻柔的冬日寒风"),
    "wind": ("gusting wind", "阵阵风声", "wind moaning around the walls", "风在墙外呜呜作响"),
}

# --- people ------------------------------------------------------------------------------------------
# (English words, Chinese words, gender, age, English name, Chinese name, default delivery)
_ROLES: list[tuple[tuple[str, ...], tuple[str, ...], str | None, str | None, str, str, str | None]] = [
    (("fisherman",), ("渔夫", "渔民", "老渔夫"), "male", "adult", "Fisherman", "渔夫", None),
    (("grandson",), ("孙子", "外孙"), "male", "child", "Grandson", "孙子", None),
    (("granddaughter",), ("孙女", "外孙女"), "female", "child", "Granddaughter", "孙女", None),
    (("grandfather", "grandpa", "granddad", "grandad"), ("爷爷", "外公", "祖父", "姥爷"), "male", "elderly",
     "Grandfather", "爷爷", None),
    (("grandmother", "grandma", "granny"), ("奶奶", "外婆", "祖母", "姥姥"), "female", "elderly", "Grandmother", "奶奶", None),
    (("old man",), ("老爷爷", "老头", "老大爷"), "male", "elderly", "Old Man", "老爷爷", None),
    (("old woman", "old lady"), ("老奶奶", "老太太", "老妇人"), "female", "elderly", "Old Woman", "老奶奶", None),
    (("elder",), ("老人", "长者"), None, "elderly", "Elder", "老人", None),
    (("man", "gentleman", "guy"), ("男人", "男子", "先生", "男士"), "male", "adult", "Man", "男人", None),
    (("woman", "lady"), ("女人", "女子", "女士", "妇人"), "female", "adult", "Woman", "女人", None),
    (("boy",), ("男孩", "小男孩", "少年"), "male", "child", "Boy", "男孩", None),
    (("girl",), ("女孩", "小女孩", "姑娘", "少女"), "female", "child", "Girl", "女孩", None),
    (("child", "kid"), ("孩子", "小孩", "儿童", "小朋友"), None, "child", "Child", "孩子", None),
    (("mother", "mom", "mum", "mama", "mommy"), ("妈妈", "母亲", "娘"), "female", "adult", "Mother", "妈妈", None),
    (("father", "dad", "papa", "daddy"), ("爸爸", "父亲", "爹"), "male", "adult", "Father", "爸爸", None),
    (("son",), ("儿子",), "male", "child", "Son", "儿子", None),
    (("daughter",), ("女儿",), "female", "child", "Daughter", "女儿", None),
    (("brother",), ("哥哥", "弟弟"), "male", "young", "Brother", "哥哥", None),
    (("sister",), ("姐姐", "妹妹"), "female", "young", "Sister", "姐姐", None),
    (("uncle",), ("叔叔", "舅舅", "伯伯"), "male", "adult", "Uncle", "叔叔", None),
    (("aunt",), ("阿姨", "姑姑", "婶婶"), "female", "adult", "Aunt", "阿姨", None),
    (("king",), ("国王",), "male", "adult", "King", "国王", None),
    (("queen",), ("王后", "女王"), "female", "adult", "Queen", "王后", None),
    (("prince",), ("王子",), "male", "young", "Prince", "王子", None),
    (("princess",), ("公主",), "female", "young", "Princess", "公主", None),
    (("knight",), ("骑士",), "male", "adult", "Knight", "骑士", None),
    (("soldier",), ("士兵", "战士"), "male", "young", "Soldier", "士兵", None),
    (("general", "commander"), ("将军", "指挥官", "将领"), "male", "adult", "Commander", "将军", "shout"),
    (("captain",), ("船长", "队长", "机长"), "male", "adult", "Captain", "船长", None),
    (("sailor",), ("水手",), "male", "adult", "Sailor", "水手", None),
    (("pirate",), ("海盗",), "male", "adult", "Pirate", "海盗", None),
    (("teacher",), ("老师", "教师"), None, "adult", "Teacher", "老师", None),
    (("student",), ("学生",), None, "young", "Student", "学生", None),
    (("doctor",), ("医生", "大夫"), None, "adult", "Doctor", "医生", None),
    (("nurse",), ("护士",), "female", "adult", "Nurse", "护士", None),
    (("detective",), ("侦探", "探长"), None, "adult", "Detective", "侦探", None),
    (("police officer", "policeman", "officer", "cop"), ("警察", "警官"), None, "adult", "Officer", "警察", None),
    (("farmer",), ("农夫", "农民"), "male", "adult", "Farmer", "农夫", None),
    (("hunter",), ("猎人",), "male", "adult", "Hunter", "猎人", None),
    (("witch",), ("女巫", "巫婆"), "female", "elderly", "Witch", "女巫", None),
    (("wizard",), ("巫师", "魔法师"), "male", "elderly", "Wizard", "巫师", None),
    (("stranger", "someone", "somebody"), ("陌生人", "有人"), None, "adult", "Stranger", "陌生人", None),
    (("friend",), ("朋友",), None, "adult", "Friend", "朋友", None),
    (("neighbour", "neighbor"), ("邻居",), None, "adult", "Neighbour", "邻居", None),
    (("guard",), ("卫兵", "守卫"), "male", "adult", "Guard", "卫兵", None),
    (("merchant", "vendor", "seller", "shopkeeper"), ("商人", "小贩", "店主", "老板"), None, "adult", "Merchant", "商人", None),
    (("waiter", "waitress"), ("服务员",), None, "young", "Waiter", "服务员", None),
    (("scientist",), ("科学家",), None, "adult", "Scientist", "科学家", None),
    (("robot", "android"), ("机器人",), None, "adult", "Robot", "机器人", "robotic"),
    (("astronaut",), ("宇航员",), None, "adult", "Astronaut", "宇航员", None),
    (("pilot",), ("飞行员",), None, "adult", "Pilot", "飞行员", None),
    (("driver",), ("司机",), "male", "adult", "Driver", "司机", None),
    (("conductor",), ("列车员", "乘务员", "售票员"), None, "adult", "Conductor", "列车员", "announce"),
    (("librarian",), ("图书管理员",), None, "adult", "Librarian", "图书管理员", None),
    (("announcer", "host", "presenter"), ("主持人", "播音员"), None, "adult", "Announcer", "主持人", "announce"),
    (("mission control",), ("指挥中心", "控制中心"), None, "adult", "Mission Control", "指挥中心", "announce"),
    (("reporter",), ("记者",), None, "adult", "Reporter", "记者", None),
    (("narrator",), ("旁白", "讲述者"), None, "adult", "Narrator", "旁白", "narration"),
    (("ghost", "ghostly", "spirit", "phantom"), ("幽灵", "鬼魂", "鬼"), None, "adult", "Ghost", "幽灵", "eerie"),
    (("monk", "priest"), ("和尚", "牧师", "僧人"), "male", "adult", "Monk", "和尚", None),
    (("chef", "cook"), ("厨师",), None, "adult", "Chef", "厨师", None),
    (("traveller", "traveler"), ("旅人", "旅行者"), None, "adult", "Traveller", "旅人", None),
    (("villager",), ("村民",), None, "adult", "Villager", "村民", None),
    (("husband",), ("丈夫",), "male", "adult", "Husband", "丈夫", None),
    (("wife",), ("妻子",), "female", "adult", "Wife", "妻子", None),
]
_EN_ROLE = {w: i for i, r in enumerate(_ROLES) for w in r[0]}
_ZH_ROLE = sorted(((w, i) for i, r in enumerate(_ROLES) for w in r[1]), key=lambda t: -len(t[0]))
_EN_PLURAL = {"men", "women", "children", "people", "fishermen", "kids", "friends", "soldiers", "sailors", "vendors",
              "villagers", "guards", "pirates", "students", "boys", "girls", "merchants", "sellers", "knights",
              "armies", "crowds", "townsfolk", "folks", "passengers", "workers", "they"}

_FEMALE_NAMES = {"anna", "alice", "mary", "emma", "lily", "sarah", "sophie", "lucy", "kate", "jane", "grace", "mia",
                 "olivia", "emily", "rose", "eva", "nina", "julia", "laura", "maria", "linda", "amy", "ella", "zoe",
                 "hannah", "clara", "elena", "sofia", "chloe", "ruby", "alice", "wendy", "susan", "helen", "mei"}
_MALE_NAMES = {"tom", "jack", "john", "peter", "max", "james", "david", "leo", "ben", "mike", "paul", "mark", "luke",
               "noah", "oliver", "harry", "henry", "george", "sam", "adam", "daniel", "thomas", "william", "robert",
               "arthur", "oscar", "felix", "hugo", "li", "wei", "ming", "bob", "joe", "tim", "ethan", "lucas"}
_ZH_FEMALE_CHARS = "红丽美芳娜婷花玲梅兰雪琳燕霞静敏慧莉"
_ZH_MALE_CHARS = "明刚强伟军勇龙杰涛斌磊鹏飞虎"

# Delivery words: key → (English, Chinese). Pace multipliers feed the speech-length estimate.
# The words follow engine.instruct's vocabulary so the renderer can parse them into attributes.
_DELIVERY = {
    "story": ("calm storytelling voice", "平静的讲故事语气"),
    "narration": ("narration", "旁白语气"),
    "whisper": ("whispering", "低声耳语"),
    "shout": ("shouting loudly", "大声喊叫"),
    "curious": ("curious, conversational", "好奇的聊天语气"),
    "announce": ("announcer voice", "播音员语气"),
    "explain": ("calm, conversational", "平静的聊天语气"),
    "mumble": ("quietly, mumbling", "小声嘟囔"),
    "urgent": ("urgent, quickly", "急切，快速"),
    "plead": ("sad, pleading", "悲伤地恳求"),
    "reverent": ("quietly, tender", "小声，温柔"),
    "friendly": ("happy, conversational", "开心的聊天语气"),
    "robotic": ("robotic, synthetic voice", "机械合成的声音"),
    "eerie": ("mysterious, breathy", "神秘、带气声"),
    "sad": ("sad", "悲伤"),
    "happy": ("happy", "开心"),
    "angry": ("angry", "生气"),
    "fearful": ("fearful", "害怕"),
    "nervous": ("nervous, fearful", "紧张害怕"),
    "excited": ("excited", "兴奋"),
    "gentle": ("tender", "温柔"),
    "calm": ("calm", "平静"),
    "tired": ("tired", "疲惫"),
    "quiet": ("quietly", "小声"),
    "loud": ("loudly", "大声"),
    "slow": ("slowly", "慢慢"),
    "fast": ("quickly", "快速"),
}
_PACE = {"slow": 0.8, "fast": 1.25, "whisper": 0.9, "story": 0.95, "narration": 0.95, "tired": 0.9, "excited": 1.1,
         "shout": 1.05, "announce": 0.95}

_EMOTION_EN = [
    ("sad", r"sad|sadly|tearful\w*|sorrowful\w*|mournful\w*|crying|sobbing|grief\w*|grieving"),
    ("happy", r"happ(?:y|ily)|cheerful\w*|joyful\w*|laugh(?:s|ing)|smil\w*|delighted|gleeful\w*"),
    ("angry", r"angr(?:y|ily)|furious\w*|grumpy|annoyed|irritated"),
    ("fearful", r"fear\w*|scared|frightened|terrified|afraid"),
    ("nervous", r"nervous\w*|anxious\w*|trembl\w*|shaky|shakily"),
    ("excited", r"excit\w*|eager\w*|thrilled"),
    ("gentle", r"gentl[ey]|tender\w*|kindly|lovingly|warmly"),
    ("calm", r"calm\w*|peaceful\w*|wise|serene\w*"),
    ("tired", r"tired|weary|sleepy|sleepily|exhausted"),
    ("quiet", r"quiet(?:ly)?|softly|hushed"),
    ("loud", r"loud(?:ly)?"),
    ("slow", r"slow(?:ly)?"),
    ("fast", r"quick(?:ly)?|fast|hurried(?:ly)?|rapid(?:ly)?"),
]
_EMOTION_ZH = [
    ("sad", r"悲伤|难过|伤心|哭着|哽咽|忧伤"), ("happy", r"开心|高兴|快乐|笑着|欢快|愉快"), ("angry", r"生气|愤怒|恼火"),
    ("fearful", r"害怕|恐惧|惊恐"), ("nervous", r"紧张|颤抖|哆嗦"), ("excited", r"激动|兴奋"), ("gentle", r"温柔|慈祥|亲切"),
    ("calm", r"平静|沉稳|淡定"), ("tired", r"疲惫|困倦|疲倦"), ("quiet", r"轻声|小声"), ("loud", r"大声"),
    ("slow", r"慢慢|缓缓|慢悠悠"), ("fast", r"飞快|急忙|匆忙|急促"),
]

# Speech verbs → delivery. Verbs in _QUOTE_ONLY only count as speech when a quotation is attached.
_EN_SAY_VERBS = [
    ("tells", "story"), ("told", "story"), ("tell", "story"), ("narrates", "story"), ("narrated", "story"),
    ("recites", "story"), ("recited", "story"), ("reads aloud", "story"),
    ("whispers", "whisper"), ("whispered", "whisper"), ("whisper", "whisper"),
    ("shouts", "shout"), ("shouted", "shout"), ("shout", "shout"), ("yells", "shout"), ("yelled", "shout"),
    ("screams", "shout"), ("screamed", "shout"), ("cries out", "shout"), ("cried out", "shout"),
    ("calls out", "shout"), ("called out", "shout"), ("exclaims", "excited"), ("exclaimed", "excited"),
    ("asks", "curious"), ("asked", "curious"), ("ask", "curious"), ("wonders", "curious"),
    ("announces", "announce"), ("announced", "announce"), ("counts down", "announce"), ("counted down", "announce"),
    ("explains", "explain"), ("explained", "explain"), ("murmurs", "mumble"), ("murmured", "mumble"),
    ("mutters", "mumble"), ("muttered", "mumble"), ("warns", "urgent"), ("warned", "urgent"),
    ("begs", "plead"), ("pleads", "plead"), ("prays", "reverent"), ("greets", "friendly"), ("greeted", "friendly"),
    ("says", ""), ("said", ""), ("say", ""), ("replies", ""), ("replied", ""), ("answers", ""), ("answered", ""),
    ("speaks", ""), ("spoke", ""), ("talks", ""), ("talked", ""), ("responds", ""), ("responded", ""),
    ("calls", "shout"), ("called", "shout"), ("adds", ""), ("added", ""), ("continues", ""), ("continued", ""),
    ("sighs", "tired"), ("sighed", "tired"), ("sobs", "sad"), ("laughs", "happy"), ("cries", "sad"),
]
_QUOTE_ONLY = {"calls", "called", "adds", "added", "continues", "continued", "sighs", "sighed", "sobs", "laughs", "cries",
               "wonders", "ask"}
_EN_SAY = re.compile(r"\b(" + "|".join(sorted((re.escape(v) for v, _ in _EN_SAY_VERBS), key=len, reverse=True)) + r")\b",
                     re.I)
_EN_SAY_DELIVERY = dict(_EN_SAY_VERBS)
_ZH_SAY_VERBS = [
    ("讲故事", "story"), ("讲述", "story"), ("讲了", "story"), ("讲", "story"), ("朗读", "story"), ("念道", ""),
    ("低声说", "whisper"), ("轻声说", "whisper"), ("低语", "whisper"), ("耳语", "whisper"), ("悄悄说", "whisper"),
    ("大喊", "shout"), ("喊道", "shout"), ("叫道", "shout"), ("大叫", "shout"), ("尖叫", "shout"), ("喊", "shout"),
    ("问道", "curious"), ("问", "curious"), ("宣布", "announce"), ("广播", "announce"), ("倒数", "announce"),
    ("嘀咕", "mumble"), ("念叨", "mumble"), ("叮嘱", "gentle"), ("嘱咐", "gentle"), ("命令", "shout"),
    ("告诉", ""), ("回答", ""), ("答道", ""), ("说道", ""), ("说", ""), ("叹道", "tired"),
]
_ZH_SAY_ALT = "|".join(v for v, _ in _ZH_SAY_VERBS)
_ZH_SAY = re.compile(r"(" + _ZH_SAY_ALT + r")(?!题|明|服)")
_ZH_SAY_DELIVERY = dict(_ZH_SAY_VERBS)
_ZH_NOT_SAY_BEFORE = "小传据听演"
_ZH_ADVERBS = ("轻轻|慢慢|悄悄|大声|小声|低声|轻声|高兴|开心|难过|伤心|生气|愤怒|温柔|平静|兴奋|激动|紧张|害怕|急忙|缓缓|默默|"
               "微笑|哭|笑|叹|颤抖|沉稳|慈祥|认真|得意|无奈|焦急|惊讶|好奇")  # 小说, 传说, 据说, 听说, 演讲 are not someone speaking

# --- music -------------------------------------------------------------------------------------------
_INSTRUMENTS = [  # (English regex, English name, Chinese regex, Chinese name)
    (r"music box", "music box", r"八音盒", "八音盒"), (r"piano", "piano", r"钢琴", "钢琴"),
    (r"violins?", "violin", r"小提琴", "小提琴"), (r"cellos?", "cello", r"大提琴", "大提琴"),
    (r"acoustic guitar|guitars?", "guitar", r"吉他", "吉他"), (r"strings", "strings", r"(?<!管)弦乐", "弦乐"),
    (r"orchestra\w*|symphon\w*", "orchestral", r"管弦|交响", "管弦乐"), (r"flutes?", "flute", r"长笛|笛子|竹笛|笛声", "笛子"),
    (r"harps?", "harp", r"竖琴", "竖琴"), (r"choir|chorus", "choir", r"合唱", "合唱"), (r"organ", "organ", r"管风琴", "管风琴"),
    (r"saxophone|sax", "saxophone", r"萨克斯", "萨克斯"), (r"trumpets?", "trumpet", r"小号", "小号"),
    (r"synth\w*", "synthesizer", r"合成器", "电子合成器"), (r"accordion", "accordion", r"手风琴", "手风琴"),
    (r"bagpipes?", "bagpipes", r"风笛", "风笛"), (r"banjo", "banjo", r"班卓琴", "班卓琴"), (r"ukulele", "ukulele", r"尤克里里", "尤克里里"),
    (r"harmonica", "harmonica", r"口琴", "口琴"), (r"erhu", "erhu", r"二胡", "二胡"), (r"guzheng", "guzheng", r"古筝", "古筝"),
    (r"pipa", "pipa", r"琵琶", "琵琶"),
]
_MOODS = [  # (canonical, English regex, Chinese regex, default tempo, default instrument)
    ("sad", r"sad|melanchol\w*|sorrowful|mournful|somber|sombre|tragic|wistful|nostalgic", r"悲伤|忧伤|哀伤|伤感|凄凉|怀旧",
     "slow", "piano"),
    ("happy", r"happy|cheerful|joyful|upbeat|bright|playful|whimsical|lively|festive", r"欢快|快乐|愉快|明快|轻快|喜庆",
     "upbeat", "acoustic guitar"),
    ("calm", r"calm|peaceful|gentle|soft|serene|tender|soothing|relaxing|warm|dreamy|quiet", r"轻柔|柔和|平静|宁静|温柔|舒缓|安静",
     "slow", "piano and strings"),
    ("tense", r"tense|suspense\w*|ominous|dark|dramatic|menacing|urgent", r"紧张|悬疑|压抑|急促", "fast", "low strings"),
    ("epic", r"epic|heroic|triumphant|grand|majestic|victorious|rousing|stirring", r"激昂|雄壮|恢弘|史诗|壮阔|胜利",
     "fast", "orchestral"),
    ("eerie", r"eerie|spooky|creepy|mysterious|haunting|uncanny|ghostly", r"阴森|诡异|神秘|恐怖", "slow", "strings"),
    ("romantic", r"romantic|loving", r"浪漫|甜蜜", "slow", "piano and violin"),
]
_FORM_GENRES = {"lullaby", "waltz", "march", "hymn"}  # "piano lullaby", but "jazz piano"
_MOOD_WORDS_ZH = {"sad": "悲伤", "happy": "欢快", "calm": "轻柔", "tense": "紧张", "epic": "激昂", "eerie": "阴森",
                  "romantic": "浪漫"}
_TEMPO_EN = [("slow", r"slow\w*|adagio|lento"), ("fast", r"fast|quick|rapid|driving|allegro"),
             ("upbeat", r"upbeat|lively|bouncy"), ("moderate", r"moderate|medium tempo")]
_TEMPO_ZH = {"slow": "缓慢", "fast": "快速", "upbeat": "轻快", "moderate": "中速"}
_TEMPO_ZH_RE = [("slow", r"缓慢|慢"), ("fast", r"快速|急促"), ("upbeat", r"轻快|明快")]
_GENRES = [(r"jazz", "jazz", r"爵士", "爵士"), (r"folk", "folk", r"民谣", "民谣"), (r"classical", "classical", r"古典", "古典"),
           (r"ambient", "ambient", r"氛围", "氛围"), (r"rock", "rock", r"摇滚", "摇滚"), (r"\bpop\b", "pop", r"流行", "流行"),
           (r"blues", "blues", r"蓝调|布鲁斯", "蓝调"), (r"lullab\w+", "lullaby", r"摇篮曲", "摇篮曲"),
           (r"waltz", "waltz", r"圆舞曲", "圆舞曲"), (r"march", "march", r"进行曲", "进行曲"), (r"hymn", "hymn", r"圣歌|赞美诗", "圣歌"),
           (r"electronic", "electronic", r"电子乐|电子音乐", "电子")]
_EN_MUSIC = re.compile(r"\b(?:music|musical|musician|melod(?:y|ies)|tunes?|songs?|soundtrack|score|lullab(?:y|ies)|"
                       r"hymns?|ballad|waltz|symphony|sings?|singing|sang|hums? a tune|jazz|blues|classical|techno|"
                       r"hip-hop|lo-fi|" +
                       "|".join(i[0] for i in _INSTRUMENTS) + r")\b", re.I)
_ZH_MUSIC = re.compile(r"音乐|乐曲|配乐|旋律|曲子|钢琴曲|歌曲|歌声|唱歌|唱着|唱起|一首歌|摇篮曲|交响|管弦|" +
                       "|".join(i[2] for i in _INSTRUMENTS))
_MUSIC_END = re.compile(r"\b(?:at the end|in the end|ending|ends?(?: the story| it| with)?|outro|closing|closes?|to close|"
                        r"finally|at last|credits|finale)\b|结尾|最后|结束|收尾|片尾|尾声", re.I)
_MUSIC_INTRO = re.compile(r"\b(?:intro|introduction|opening|opens?(?: with)?|begins? with|starts? with|at the (?:start|"
                          r"beginning)|first)\b|开头|开场|片头|序曲|一开始", re.I)
_MUSIC_BED = re.compile(r"\b(?:throughout|in the background|background|underneath|under everything|bed|all along|"
                        r"the whole time|accompan\w+|all the while)\b|背景|全程|贯穿|始终|伴随|一直", re.I)
_BED_CUE = re.compile(r"\b(?:throughout|in the background|all night|the whole time|all the while)\b|背景|全程|始终|一直", re.I)

# --- written lines -----------------------------------------------------------------------------------
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
                             r"of her youth|memories)\b", re.I)
_STORY_WORDS_ZH = re.compile(r"故事|传说|往事|讲述|经历|童话")

# =====================================================================================================
# Duration and language
# =====================================================================================================
_EN_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
               "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
               "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90, "half a": 0.5, "half an": 0.5}
_EN_QTY = re.compile(
    r"(?<![\w.])(?P<n>\d+(?:\.\d+)?|half an?|forty-five|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|an?)(?P<sep>\s*-?\s*)"
    r"(?P<u>hours?|hrs?|minutes?|mins?|seconds?|secs?|[hs])\b(?P<half>\s+and\s+a\s+half)?", re.I)
_EN_UNIT_S = {"h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600, "min": 60, "mins": 60, "minute": 60,
              "minutes": 60, "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1}
_EN_CUE = re.compile(r"\b(?:duration|total|long|length|lasts?|lasting|runtime|run time|overall)\b", re.I)
_EN_INTERNAL_AFTER = re.compile(r"^\s*(?:later|ago|before|after|earlier|of silence|pass|go by)\b", re.I)
_EN_INTERNAL_BEFORE = re.compile(r"\b(?:after|every|within|each)\s+$", re.I)
_EN_DURATION_FILLER = {"the", "total", "duration", "is", "of", "about", "around", "roughly", "approximately", "it",
                       "should", "be", "last", "lasts", "lasting", "long", "length", "in", "for", "make", "with", "a",
                       "an", "runtime", "run", "time", "overall", "audio", "story", "clip", "piece", "and", "total:",
                       "duration:", "target", "please", "approx", "exactly", "at", "most", "least", "has", "have"}
_ZH_NUM_CHARS = "零〇一二两三四五六七八九十百半"
_ZH_QTY = re.compile(
    r"(?P<n>\d+(?:\.\d+)?|[" + _ZH_NUM_CHARS + r"]+)\s*个?\s*"
    r"(?P<u>小时|分钟|分(?=半|钟|\s*(?:\d+|[零〇一二两三四五六七八九十]+)\s*秒)|秒钟|秒)(?P<half>半钟?)?")
_ZH_CUE = re.compile(r"时长|总长|长度|持续|总共|共计|全长|时间为|时间是")
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CLOSERS = "\"”’」』' \t"


def _zh_number(s: str) -> float:
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return float(s)
    if s == "半":
        return 0.5
    total, num = 0, 0
    for ch in s:
        if ch in _ZH_DIGITS:
            num = _ZH_DIGITS[ch]
        elif ch == "十":
            total += (num or 1) * 10
            num = 0
        elif ch == "百":
            total += (num or 1) * 100
            num = 0
        elif ch == "半":
            return total + num + 0.5
    return float(total + num)


def detect_language(text: str) -> str:
    """'zh' when Chinese characters outnumber Latin words, else 'en'."""
    cjk = len(_CJK.findall(text))
    latin = len(re.findall(r"[A-Za-z]+", text))
    return "zh" if cjk and cjk >= latin else "en"


def _groups(matches: list[re.Match], text: str, joiner: str) -> list[tuple[int, int, list[re.Match]]]:
    """Adjacent quantities ("2 minutes and 30 seconds", "1分30秒") form one duration."""
    out: list[tuple[int, int, list[re.Match]]] = []
    for m in matches:
        if out and re.fullmatch(joiner, text[out[-1][1]:m.start()]):
            s, _, ms = out[-1]
            out[-1] = (s, m.end(), ms + [m])
        else:
            out.append((m.start(), m.end(), [m]))
    return out


def _en_seconds(m: re.Match) -> float | None:
    n, unit = m.group("n").lower(), m.group("u").lower()
    if unit in ("h", "s") and not n[0].isdigit():
        return None  # "a s" is not a duration; "90s" and "90 s" are
    amount = float(n) if n[0].isdigit() else _EN_NUMBERS.get(n)
    if amount is None:
        return None
    if m.group("half"):
        amount += 0.5
    return amount * _EN_UNIT_S[unit]


def _zh_seconds(m: re.Match) -> float:
    amount = _zh_number(m.group("n"))
    unit = m.group("u")
    if m.group("half"):
        amount += 0.5
    return amount * (3600 if unit == "小时" else 60 if unit.startswith("分") else 1)


def parse_duration(text: str) -> tuple[float | None, str]:
    """Find the story's target length in its text; return (seconds or None, text without the duration phrase).

    A quantity in a sentence that talks about length ("The total duration is 49.9 seconds.", "总时长为60秒") wins;
    otherwise the longest plausible one ("a 2-minute story"). Quantities inside the story ("five minutes later")
    are left alone. Raises ValueError when the stated length is outside 5 s … 30 min.
    """
    if detect_language(text) == "zh" and _ZH_QTY.search(text):
        return _parse_duration_zh(text)
    return _parse_duration_en(text)


def _sentence_bounds(text: str, start: int, end: int, stops: str) -> tuple[int, int]:
    s = start
    # a full stop ends a sentence before a space or a closing quote ('... would." The total duration is ...')
    while s > 0 and not (text[s - 1] in stops and (s >= len(text) or not text[s - 1] == "." or
                                                   (s < len(text) and (text[s].isspace() or text[s] in _CLOSERS)))):
        s -= 1
    e = end
    while e < len(text) and not (text[e] in stops and (text[e] != "." or e + 1 >= len(text) or text[e + 1].isspace())):
        e += 1
    return s, min(len(text), e + 1)


def _check_range(seconds: float, phrase: str) -> None:
    if seconds > MAX_DURATION_S:
        raise ValueError(f"the instruction asks for {phrase!r} ({seconds:g} s), but a story can be at most "
                         f"{MAX_DURATION_S // 60} minutes; ask for a shorter duration")
    if seconds < MIN_DURATION_S:
        raise ValueError(f"the instruction asks for {phrase!r} ({seconds:g} s); a story must be at least "
                         f"{MIN_DURATION_S:g} seconds long")


def _parse_duration_en(text: str) -> tuple[float | None, str]:
    best = None  # (priority, seconds, start, end)
    for s, e, ms in _groups(list(_EN_QTY.finditer(text)), text, r"\s*(?:,|and)?\s*"):
        values = [_en_seconds(m) for m in ms]
        if any(v is None for v in values):
            continue
        seconds = sum(values)
        ss, se = _sentence_bounds(text, s, e, ".!?;\n")
        while ss < s and text[ss] in _CLOSERS:
            ss += 1  # a closing quotation mark belongs to the sentence before
        cue = bool(_EN_CUE.search(text[ss:se]))
        rest_words = [w for w in re.findall(r"[\w:'-]+", (text[ss:s] + " " + text[e:se]).lower())
                      if w not in _EN_DURATION_FILLER]
        alone = not rest_words
        internal = bool(_EN_INTERNAL_AFTER.match(text[e:]) or _EN_INTERNAL_BEFORE.search(text[:s]))
        if internal and not cue:
            continue
        if not (cue or alone) and not (MIN_DURATION_S <= seconds <= MAX_DURATION_S):
            continue
        priority = (2 if cue or alone else 1, seconds)
        if best is None or priority > best[0]:
            best = (priority, seconds, s, e, ss, se, alone)
    if best is None:
        return None, text
    _, seconds, s, e, ss, se, alone = best
    _check_range(seconds, text[s:e])
    if alone:
        cleaned = text[:ss] + " " + text[se:]
    else:
        # drop the quantity and its glue words: "for about 90 seconds", "a 2-minute story", "90 seconds long"
        head = re.sub(r"(?:\b(?:for|of|in|about|around|roughly|approximately|lasting|that lasts|a total of|total of)\s+)*$",
                      "", text[:s], flags=re.I)
        tail = re.sub(r"^(?:-long|\s+long|\s+in total|\s+total|\s+in length)\b", "", text[e:], flags=re.I)
        if re.search(r"\ban\s*$", head) and re.match(r"\s*[^aeiouAEIOU\W]", tail):
            head = re.sub(r"an(\s*)$", r"a\1", head)
        cleaned = head.rstrip() + " " + tail.lstrip()
    cleaned = re.sub(r"\s+([,.;!?])", r"\1", re.sub(r"[ \t]+", " ", cleaned)).strip()
    return float(seconds), cleaned


def _parse_duration_zh(text: str) -> tuple[float | None, str]:
    best = None
    for s, e, ms in _groups(list(_ZH_QTY.finditer(text)), text, r"\s*零?\s*"):
        seconds = sum(_zh_seconds(m) for m in ms)
        cs, ce = _sentence_bounds(text, s, e, "，,。！？；;\n")
        while cs < s and text[cs] in _CLOSERS:
            cs += 1
        clause = text[cs:ce]
        cue = bool(_ZH_CUE.search(clause))
        rest = re.sub(_ZH_CUE, "", clause[: s - cs] + clause[e - cs:])
        alone = len(_CJK.findall(re.sub(r"[为是约大概左右共计总的长达整]", "", rest))) == 0
        internal = bool(re.match(r"\s*(?:后|以后|之后|前|以前|过去)", text[e:]))
        if internal and not cue:
            continue
        if not (cue or alone) and not (MIN_DURATION_S <= seconds <= MAX_DURATION_S):
            continue
        priority = (2 if cue or alone else 1, seconds)
        if best is None or priority > best[0]:
            best = (priority, seconds, s, e, cs, ce, cue or alone)
    if best is None:
        return None, text
    _, seconds, s, e, cs, ce, whole_clause = best
    _check_range(seconds, text[s:e])
    if whole_clause:
        cleaned = text[:cs] + text[ce:]
        if ce >= len(text.rstrip()) and cs > 0 and text[cs - 1] in "，,":
            cleaned = text[:cs - 1] + "。" + text[ce:]  # "…钢琴曲，时长60秒" → "…钢琴曲。"
    else:
        tail = re.sub(r"^(?:左右|的|长的|长)", "", text[e:])
        cleaned = text[:s] + tail
    return float(seconds), cleaned.strip()


_EN_LEAD = re.compile(r"^\s*(?:please\s+)?(?:develop|generate|create|make|produce|compose|render|design|write|build|"
                      r"craft)\b(?P<lead>.{0,90}?)\b(?:of|about|that\s+(?:fully\s+)?(?:represents?|portrays?|depicts?|"
                      r"captures?|describes?|tells?|conveys?|illustrates?|evokes?)|where|in which|featuring|"
                      r"with)\s+", re.I)
_ZH_LEAD = re.compile(r"^\s*(?:请)?(?:生成|创作|制作|做|写|创建)(?:一段|一个|一首|一部)?(?P<lead>.{0,20}?)"
                      r"(?:音频|故事|声音|音效|作品|声音故事)(?:[，,：:]|，?讲述了?|，?描述了?|关于|：)?")


def _strip_lead(text: str, lang: str) -> str:
    """AudioStory instructions open with a lead phrase ("Develop a comprehensive audio that fully represents …")."""
    if lang == "zh":
        m = _ZH_LEAD.match(text)
        return text[m.end():] if m and len(text) > m.end() + 2 else text
    m = _EN_LEAD.match(text)
    if m and re.search(r"audio|story|soundscape|sound|piece|clip|scene|narrative|recording", m.group("lead"), re.I):
        rest = text[m.end():]
        return rest[:1].upper() + rest[1:] if rest else text
    return text


# =====================================================================================================
# Working types
# =====================================================================================================
@dataclass
class _Who:
    name_en: str
    name_zh: str
    gender: str | None = None
    age: str | None = None
    delivery: str | None = None  # the role's usual delivery (robot → robotic)
    emotions: list[str] = field(default_factory=list)
    plural: bool = False
    pronoun: str | None = None  # "he"/"she" still to be resolved


@dataclass
class _Char:
    name: str
    who: _Who
    voice: str = ""


@dataclass
class _Item:
    """A foreground segment being planned."""

    kind: str
    scene: int = -1  # -1: outside scenes (intro / ending music)
    caption: str = ""
    text: str = ""
    character: str | None = None
    instruction: str = ""
    shot: bool = False
    lo: float = 2.0
    hi: float = 28.0
    w: float = 1.0
    pace: float = 1.0
    generated: bool = False  # written by the planner (droppable when time is short)
    user_line: bool = False  # spoken text quoted in the instruction
    story: tuple | None = None  # (topic, teller name, listener name or None, delivery keys) until expanded
    reply: bool = False
    duration: float = 0.0
    keys: tuple[str, ...] = ()


@dataclass
class _Scene:
    loc: str | None = None
    time: str | None = None
    weather: str | None = None
    indoor: bool = False
    extras: list[str] = field(default_factory=list)  # ambient sound keys heard under the scene
    keys: list[str] = field(default_factory=list)  # sound keys heard in the scene (beat material)
    items: list[_Item] = field(default_factory=list)
    used: set[str] = field(default_factory=set)  # sound descriptions already heard (beats avoid them)


def _cap(s: str) -> str:
    s = s.strip()
    return s[:1].upper() + s[1:] if s else s


def _sentence(s: str, lang: str) -> str:
    s = s.strip().rstrip(",;:，；：")
    if not s:
        return s
    if lang == "zh":
        return s if s[-1] in "。！？…" else s + "。"
    s = _cap(s)
    return s if s[-1] in ".!?…" else s + "."


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z'-]*", text)


_EN_STOP = {"a", "an", "the", "and", "then", "of", "in", "on", "at", "to", "with", "as", "while", "is", "are", "it",
            "its", "his", "her", "their", "suddenly", "finally", "later", "after", "that", "this", "there", "by", "for",
            "from", "into", "onto", "over", "under", "now", "soon", "meanwhile", "eventually", "afterwards", "next",
            "be", "was", "were", "some", "very", "so", "but", "all", "we", "hear", "hears", "heard", "sound", "sounds",
            "can"}
_EN_CONNECT = re.compile(r"^\s*(?:(?:and|but|so|then|and then|after that|afterwards|later|finally|eventually|suddenly|"
                         r"meanwhile|next|soon|now|at last|in the end)\b[\s,]*)+", re.I)
_ZH_CONNECT = re.compile(r"^(?:然后|接着|随后|之后|紧接着|后来|最后|最终|与此同时|这时|突然|于是|同时|此时|渐渐地|慢慢地)+，?")
_PH = re.compile("\uE000(\\d+)\uE001")


def _count_units(text: str) -> float:
    """Speech units: English words plus Chinese characters weighted to the same speaking time."""
    words = len(re.findall(r"[A-Za-z0-9']+", text))
    cjk = len(_CJK.findall(text))
    return words / EN_WORDS_PER_S + cjk / ZH_CHARS_PER_S


def estimate_speech_seconds(text: str, pace: float = 1.0) -> float:
    """Planned length of a spoken line: ≈3.3 English words/s, ≈4 Chinese characters/s, plus breaths."""
    pauses = len(re.findall(r"[,.;!?，。；！？…]", text)) * 0.12
    return max(0.8, _count_units(text) / max(pace, 0.3) + pauses + 0.2)


@functools.lru_cache(maxsize=None)
def _rx(en: str, zh: str, lang: str) -> re.Pattern:
    """A vocabulary entry as a compiled pattern: Chinese as written, English as whole words, any case."""
    return re.compile(zh) if lang == "zh" else re.compile(r"\b(?:" + en + r")\b", re.I)


def _sound_hits(clause: str, lang: str) -> list[tuple[str, int]]:
    """Sound keys named in a clause, in order of appearance, with redundant ones removed."""
    hits: dict[str, int] = {}
    for key, en, zh, *_ in _SOUNDS:
        m = _rx(en, zh, lang).search(clause)
        if m:
            hits[key] = m.start()
    suppressed = {k for key in hits for k in _SOUND_BY_KEY[key][5]}
    return sorted(((k, p) for k, p in hits.items() if k not in suppressed), key=lambda t: t[1])


_SOUND_BY_KEY = {s[0]: s for s in _SOUNDS}
_SETTINGS_T = [(s.key, s.en, s.zh) for s in _SETTINGS]
_SETTING_BY_KEY = {s.key: s for s in _SETTINGS}
_ANIMALS = {"gulls", "dog", "cat", "woodpecker", "rooster", "crow", "owl", "birds", "wolf", "insects", "bees", "frog",
            "horse", "donkey", "farm", "beast", "dragon"}


def _first(patterns, text: str, lang: str):
    """(row, match) of the earliest (then longest) match; rows are (key, English regex, Chinese regex, ...)."""
    best = None
    for p in patterns:
        m = _rx(p[1], p[2], lang).search(text)
        if m and (best is None or m.start() < best[1].start() or
                  (m.start() == best[1].start() and m.end() > best[1].end())):
            best = (p, m)
    return best


class _Planner:
    """One planning run: parse → scenes → lines → timing → Plan."""

    def __init__(self, instruction: str, target: float, lang_in: str, lang: str, seed: int, notes: list[str]):
        self.src = instruction
        self.T = target
        self.li = lang_in  # the language the instruction is written in (how to read it)
        self.lo = lang  # the plan's language (what to write)
        self.rng = random.Random(seed)
        self.notes = notes
        self.chars: dict[str, _Char] = {}
        self.scenes: list[_Scene] = [_Scene()]
        self.intro: list[_Item] = []
        self.ending: list[_Item] = []
        self.music_beds: list[tuple[str, str]] = []  # (caption, instruction)
        self.quotes: list[str] = []
        self.recent: list[str] = []  # speakers, most recent last
        self.salient: list[str] = []  # everyone named so far (speakers and people making sounds), for he/she
        self.recognised = 0  # clauses understood (sound, speech or music)
        self.story_text = ""
        self._cleared = False  # the last clause ended the weather
        self.lead_pad = 0.0  # silence before the first clip, when a second or two is left and nothing can stretch

    # --- language helpers ------------------------------------------------------------------------
    def t(self, en: str, zh: str) -> str:
        return zh if self.lo == "zh" else en

    def _re(self, en: str, zh: str, text: str) -> re.Match | None:
        return _rx(en, zh, self.li).search(text)

    # --- entry ----------------------------------------------------------------------------------
    def parse(self, story: str) -> None:
        self.story_text = story
        text = self._script_lines(story)
        text = self._hide_quotes(text)
        for sentence in self._sentences(text):
            if _PH.search(sentence):
                self._quoted_sentence(sentence)
            else:
                for clause in self._clauses(sentence):
                    self._clause(clause)
        if self.recognised == 0:
            self._fallback(story)

    def _script_lines(self, text: str) -> str:
        """'Anna: Hello.' and InstructAudio's '[S0] Hello.' lines become quoted speech."""
        out = []
        for line in text.splitlines():
            m = re.match(r"^\s*\[S(\d)\]\s*(.+)$", line)
            if m:
                name = self.t(f"Speaker {int(m.group(1)) + 1}", f"说话人{int(m.group(1)) + 1}")
                line = f"{name} says “{m.group(2).strip()}”" if self.li == "en" else f"{name}说：“{m.group(2).strip()}”"
            else:
                m = re.match(r"^\s*((?:[A-Z][\w'.-]*)(?:\s+[A-Z][\w'.-]*){0,2}|[\u4e00-\u9fff]{1,4})\s*[:：]\s*([^“\"「].+)$",
                             line)
                if m and not re.search(r"说|道|问|喊|时长|duration|note|total|scene|setting|time|title|story|音乐|场景|"
                                       r"背景|夜|晨|早|晚|午", m.group(1), re.I) \
                        and not _first(_SETTINGS_T, m.group(1), self.li):
                    if self.li == "en":
                        line = f"{m.group(1).strip()} says “{m.group(2).strip()}”"
                    else:
                        line = f"{m.group(1).strip()}说：“{m.group(2).strip()}”"
            out.append(line)
        return "\n".join(out)

    def _hide_quotes(self, text: str) -> str:
        def keep(m: re.Match) -> str:
            body = next(g for g in m.groups() if g is not None).strip()
            self.quotes.append(body)
            return f"\uE000{len(self.quotes) - 1}\uE001"
        return re.sub(r'"([^"]+)"|“([^”]+)”|「([^」]+)」|『([^』]+)』', keep, text)

    def _sentences(self, text: str) -> list[str]:
        if self.li == "zh":
            parts = re.split(r"(?<=[。！？!?；;])|\n+", text)
        else:
            parts = re.split(r"(?<=[.!?])\s+|;\s*|\n+", text)
        return [p.strip() for p in parts if p and p.strip(" .。")]

    def _clauses(self, sentence: str) -> list[str]:
        if self.li == "zh":
            parts = re.split(r"[，,、：:]|(?=然后|接着|随后|紧接着)", sentence)
        else:
            parts = re.split(r"[,;]|:\s|\s(?=(?:and then|then|after that|afterwards|finally|eventually|meanwhile|"
                             r"followed by)\b)|\s+followed by\s+", sentence)
        out: list[str] = []
        carry = ""
        for p in parts:
            p = (carry + " " + p).strip() if carry and self.li == "en" else (carry + p).strip() if carry else p.strip()
            carry = ""
            p = p.strip(" .。!?！？")
            if not p:
                continue
            if self._weak(p):
                carry = p  # "Suddenly", "At night" lean on the next clause
                continue
            out.append(p)
        if carry:
            if out:
                out[-1] = out[-1] + (" " if self.li == "en" else "，") + carry
            else:
                out.append(carry)
        return out

    def _weak(self, clause: str) -> bool:
        if self.li == "zh":
            body = _ZH_CONNECT.sub("", clause)
            return len(_CJK.findall(body)) < 2 and not _sound_hits(body, "zh")
        content = [w for w in _words(clause) if w.lower() not in _EN_STOP]
        return len(content) < 1 or (len(content) < 2 and not _sound_hits(clause, "en")
                                    and not _EN_MUSIC.search(clause) and not _EN_SAY.search(clause))

    # --- scenes ---------------------------------------------------------------------------------
    def _scene_info(self, clause: str) -> tuple[_Setting | None, str | None, str | None, bool, bool,
                                                 tuple[str, str] | None]:
        hit = _first(_SETTINGS_T, clause, self.li)
        setting = _SETTING_BY_KEY[hit[0][0]] if hit else None
        place = None  # (preposition, noun phrase) as the instruction says it: ("over", "a fishing village")
        if hit and self.li == "en":
            m = re.search(r"\b(in|at|on|over|across|through|inside|near|by|along|onto|into|around|reaches|hits|"
                          r"sweeps|strikes|approaches|enters)\s+((?:[\w'-]+\s+){0,3})$", clause[:hit[1].start()], re.I)
            if m:
                place = (m.group(1).lower(), (m.group(2) + hit[1].group(0)).strip())
        tm = _first(_TIMES, clause, self.li)
        time = tm[0][0] if tm else None
        weather = None
        keys = [k for k, _ in _sound_hits(clause, self.li)]
        if "storm" in keys or ("rain" in keys and "thunder" in keys):
            weather = "storm"
        elif "snow" in keys:
            weather = "snow"
        elif "rain" in keys:
            weather = "rain"
        elif "wind" in keys and self._re(r"strong|fierce|howl\w*|gust\w*|gales?", r"狂风|大风|呼啸", clause):
            weather = "wind"
        clears = bool(weather and _WEATHER_CLEARS.search(clause))
        indoor = bool(self._re(r"inside|indoors|within|windows?|window ?panes?|fireplace|hearth|by the fire",
                               r"屋里|室内|屋内|家里|炉火|壁炉|外面|窗", clause))
        return setting, time, weather, clears, indoor, place

    def _enter_scene(self, clause: str) -> tuple[int, tuple]:
        """The scene a clause belongs to; a new place, time of day or weather starts a new scene."""
        setting, time, weather, clears, indoor, place = self._scene_info(clause)
        cur = self.scenes[-1]
        if self._cleared and cur.items:
            # "the rain stops" is heard under the rain; what follows is a calm scene
            self._cleared = False
            self.scenes.append(_Scene(loc=cur.loc, time=cur.time, weather=None, indoor=cur.indoor))
            cur = self.scenes[-1]
        new_loc = setting.key if setting else None
        if clears:
            weather_after = None
        else:
            weather_after = weather or cur.weather
        changed = ((new_loc and cur.loc and new_loc != cur.loc) or (time and cur.time and time != cur.time)
                   or (weather and not clears and cur.weather and weather != cur.weather and cur.items)
                   or (weather and not cur.weather and cur.items and not clears))
        if changed and cur.items:
            indoor_next = (setting.indoor if setting else (cur.indoor and not new_loc)) or indoor
            self.scenes.append(_Scene(loc=new_loc or cur.loc, time=time or cur.time, weather=weather_after,
                                      indoor=indoor_next))
            cur = self.scenes[-1]
        else:
            cur.loc = cur.loc or new_loc
            cur.time = cur.time or time
            if weather and not clears:
                cur.weather = weather
            if setting and cur.loc == setting.key:
                cur.indoor = cur.indoor or setting.indoor
            cur.indoor = cur.indoor or indoor
        if clears:
            self._cleared = True
        return len(self.scenes) - 1, (setting, time, place)

    # --- clauses --------------------------------------------------------------------------------
    def _clause(self, clause: str) -> None:
        raw = clause
        body = _ZH_CONNECT.sub("", clause) if self.li == "zh" else _EN_CONNECT.sub("", clause)
        if not body.strip():
            return
        if self._speech_clause(raw, body):
            return
        parts = re.split(r"\s+and\s+", body) if self.li == "en" else [body]
        if len(parts) > 1 and _EN_MUSIC.search(body) and any(
                _sound_hits(p, "en") and not _EN_MUSIC.search(p) for p in parts):
            # "coins jingle and a flute melody drifts": a sound and a piece of music, one after the other
            lead = raw[:len(raw) - len(body)]
            for p in parts:
                self._clause(lead + p)
            return
        if self._music_clause(raw, body):
            return
        self._sound_clause(body)

    def _split_tail(self, body: str) -> tuple[str, str]:
        """'X tells a story while rain drums on the roof' → the main clause and its simultaneous sounds."""
        m = re.search(r"\s(?:while|as|as the|whilst)\s", body) if self.li == "en" else re.search(r"(?:的时候|时，|同时)", body)
        if m and _sound_hits(body[m.end():], self.li):
            return body[:m.start()], body[m.end():]
        return body, ""

    def _sound_clause(self, body: str, as_bed: bool = False) -> None:
        scene_i, (setting, time, place) = self._enter_scene(body)
        scene = self.scenes[scene_i]
        hits = _sound_hits(body, self.li)
        if as_bed or (hits and _BED_CUE.search(body)):
            scene.extras += [k for k, _ in hits if k not in scene.extras]
            scene.keys += [k for k, _ in hits if k not in scene.keys]
            if hits:
                self.recognised += 1
            return
        if not hits:
            if setting or time:
                self.recognised += 1  # a place or a time: it shapes the scene's bed, no event of its own
                return
            item = _Item("sound", scene_i, caption=_sentence(body, self.li), shot=False, lo=2.0, hi=12.0, w=2.0)
            item.instruction = self._sound_instruction(body, scene)
            scene.items.append(item)
            return
        self.recognised += 1
        self._mention(body)
        keys = tuple(k for k, _ in hits[:3])
        scene.keys += [k for k in keys if k not in scene.keys]
        caption = self._caption(body, keys, scene, setting, time, place)
        shot = all(_SOUND_BY_KEY[k][3] for k in keys)
        item = _Item("sound", scene_i, caption=caption, shot=shot, keys=keys,
                     lo=2.0, hi=8.0 if shot else 28.0, w=1.0 if shot else 3.0)
        item.instruction = self._sound_instruction(body, scene)
        scene.items.append(item)

    def _variant(self, key: str, clause: str) -> tuple[str, str]:
        variants = _SOUND_BY_KEY[key][6]
        for trig, en, zh in variants:
            if trig and re.search(trig, clause, re.I):
                return en, zh
        free = [(en, zh) for trig, en, zh in variants if trig is None]
        return free[self.rng.randrange(len(free))] if free else variants[0][1:]

    def _caption(self, body: str, keys: tuple[str, ...], scene: _Scene, setting, time, place) -> str:
        if len(keys) == 1 and keys[0] in _HUMAN_SOUNDS and self._person_subject(body):
            if self.li == self.lo:
                return _sentence(body, self.li)  # "A scientist laughs happily." says who laughs
            return _sentence(self.t(*self._variant(keys[0], body)), self.lo)
        descs: list[tuple[str, str]] = []
        for k in keys:
            en_re = _SOUND_BY_KEY[k][1]
            if any(_rx(en_re, "", "en").search(d[0]) for d in descs):
                continue  # "a gentle breeze rustles through the leaves" already has the leaves
            descs.append(self._variant(k, body))
        scene.used.update(d[0] for d in descs)
        if self.lo == "zh":
            prefix = ""
            if not _SOUND_BY_KEY[keys[0]][3]:
                t_zh = dict((k, p[1]) for k, _, _, p in _TIMES).get(time, "") if time else ""
                raw_place = ""
                if setting:
                    m = re.search(setting.zh, body) if self.li == "zh" else None
                    raw_place = m.group(0) if m else ""
                first_desc = descs[0][1]
                if t_zh and (t_zh in first_desc or t_zh[0] in first_desc):
                    t_zh = ""
                if raw_place and raw_place in first_desc:
                    raw_place = ""
                if t_zh and (raw_place or setting):
                    prefix = f"{t_zh}的{raw_place or setting.zh_phrase.rstrip('里上')}，"
                elif t_zh:
                    prefix = f"{t_zh}，"
                elif setting:
                    prefix = f"{setting.zh_phrase}，"
                else:
                    prefix = ""
            return _sentence(prefix + "，".join(d[1] for d in descs), "zh")
        where = ""
        if place and self.li == "en":
            prep, np = place
            if prep in ("reaches", "hits", "sweeps", "strikes", "approaches", "enters"):
                prep = _SOUND_BY_KEY[keys[0]][4] or "over"
            where = f" {prep} {np}"
        elif setting and self.li != "en":
            where = " " + setting.en_phrase
        if time:
            where += " " + dict((k, p[0]) for k, _, _, p in _TIMES)[time]
        first = descs[0][0]
        first = first.replace("{at}", where) if "{at}" in first else first
        rest = [d[0].replace("{at}", "") for d in descs[1:]]
        caption = first
        if rest:
            caption += " as " + rest[0]
        if len(rest) > 1:
            caption += " and " + rest[1]
        return _sentence(caption, "en")[:MAX_CAPTION_CHARS]

    def _sound_instruction(self, body: str, scene: _Scene) -> str:
        parts = []
        if self._re(r"loud\w*|deafening|heavy|fierce|violent|thunderous|booming|huge", r"巨大|震耳|猛烈|剧烈|大声", body):
            parts.append(self.t("loud", "响亮"))
        elif self._re(r"soft\w*|gentl\w*|faint\w*|quiet\w*|light|distant|far away|in the distance",
                      r"轻轻|轻柔|微弱|隐约|远处", body):
            parts.append(self.t("soft", "轻柔"))
        if self._re(r"distant|far away|in the distance|far off", r"远处|远方", body):
            parts.append(self.t("distant", "遥远"))
        elif self._re(r"nearby|close|right next", r"近处|旁边|身边", body):
            parts.append(self.t("close", "近处"))
        parts.append(self._environment(scene))
        return ", ".join(parts) if self.lo == "en" else "，".join(parts)

    def _environment(self, scene: _Scene) -> str:
        """The acoustic space in engine.instruct's words (indoors, forest, beach, cave…)."""
        env = _ENVIRONMENTS.get(scene.loc or "")
        if env:
            return self.t(*env)
        return self.t("indoors", "室内") if scene.indoor else self.t("outdoors", "室外")

    def _mention(self, body: str) -> None:
        """Someone making a sound ('A detective knocks') may be 'he' or 'she' in the next sentence."""
        if self.li == "zh":
            head = body[:8]
            hit = next(((w, i) for w, i in _ZH_ROLE if w in head), None)
            who = self._role_who(hit[1], []) if hit else None
        else:
            words = body.split()
            who = None
            for n in (3, 2):
                who = self._parse_who_en(" ".join(words[:n]))
                if who:
                    break
        if who and not who.pronoun and not who.plural and who.name_en not in ("Stranger", "Narrator"):
            name = self._character(who)
            if name in self.salient:
                self.salient.remove(name)
            self.salient.append(name)

    def _person_subject(self, body: str) -> bool:
        if self.li == "zh":
            return any(w in body for w, _ in _ZH_ROLE) or bool(re.search(r"[他她]", body))
        words = [w.lower() for w in _words(body)[:5]]
        return any(w in _EN_ROLE or w in ("he", "she") or w in _FEMALE_NAMES or w in _MALE_NAMES for w in words)

    # --- music ----------------------------------------------------------------------------------
    def _music_clause(self, raw: str, body: str) -> bool:
        main, tail = self._split_tail(body)
        found = _ZH_MUSIC.findall(main) if self.li == "zh" else _EN_MUSIC.findall(main)
        if not found:
            return False
        singing_only = all(re.fullmatch(r"sings?|singing|sang|唱着|唱起|歌声", f, re.I) for f in found)
        if singing_only and any(k in _ANIMALS for k, _ in _sound_hits(main, self.li)):
            return False  # "birds sing" is birdsong
        self.recognised += 1
        if tail:
            self._sound_clause(tail, as_bed=True)
        caption, instruction, lyrics = self._music_words(main)
        place = ("bed" if _MUSIC_BED.search(raw) else "end" if _MUSIC_END.search(raw)
                 else "intro" if _MUSIC_INTRO.search(raw) else "inline")
        if place == "bed":
            self.music_beds.append((caption, instruction))
            return True
        dur = min(12.0, max(6.0, 0.12 * self.T)) if place == "end" else min(10.0, max(4.0, 0.08 * self.T))
        item = _Item("music", -1, caption=caption, instruction=instruction, text=lyrics, w=3.0)
        if place == "end":
            item.lo = item.hi = dur
            self.ending.append(item)
        elif place == "intro":
            item.lo = item.hi = dur
            self.intro.append(item)
        else:
            scene_i, _ = self._enter_scene(main)
            item.scene = scene_i
            item.lo, item.hi = 4.0, 28.0
            self.scenes[scene_i].items.append(item)
        return True

    def _music_words(self, text: str) -> tuple[str, str, str]:
        zh_in = self.li == "zh"
        moods: list[tuple[str, str]] = []  # (canonical, surface)
        for canon, en, zh, *_ in _MOODS:
            for m in _rx(en, zh, self.li).finditer(text):
                moods.append((canon, m.group(0).lower()))
        moods.sort(key=lambda t: text.lower().find(t[1]))
        seen, uniq = set(), []
        for c, s in moods:
            if s not in seen:
                seen.add(s)
                uniq.append((c, s))
        moods = uniq[:2]
        instruments = []
        for en, name_en, zh, name_zh in _INSTRUMENTS:
            m = _rx(en, zh, self.li).search(text)
            if m and (name_en, name_zh) not in instruments:
                instruments.append((m.start(), name_en, name_zh))
        instruments = [(e, z) for _, e, z in sorted(instruments)][:3]
        genre = next(((e, z) for ge, e, gz, z in _GENRES
                      if _rx(ge, gz, self.li).search(text)), None)
        tempo = None
        for key, pat in (_TEMPO_ZH_RE if zh_in else _TEMPO_EN):
            if _rx(pat, pat, self.li).search(text):
                tempo = key
                break
        canon = moods[0][0] if moods else None
        mood_row = next((r for r in _MOODS if r[0] == canon), None)
        if tempo is None:
            tempo = mood_row[3] if mood_row else "moderate"
        if not instruments and not genre:
            default = mood_row[4] if mood_row else "piano"
            default_zh = {"piano": "钢琴", "acoustic guitar": "吉他", "piano and strings": "钢琴和弦乐", "low strings": "低音弦乐",
                          "orchestral": "管弦乐", "strings": "弦乐", "piano and violin": "钢琴和小提琴"}[default]
            instruments = [(default, default_zh)]
        if genre and genre[0] == "lullaby" and not instruments:
            instruments = [("piano", "钢琴")]
        vocal = ""
        if re.search(r"\bsings?\b|singing|sang" if not zh_in else r"唱", text, re.I):
            who = self._parse_who(re.split(r"\bsings?\b|singing|sang|唱", text, maxsplit=1, flags=re.I)[0])
            g = who.gender if who else None
            vocal = self.t({"male": "male vocals", "female": "female vocals"}.get(g, "vocals"),
                           {"male": "男声演唱", "female": "女声演唱"}.get(g, "人声演唱"))
        if self.lo == "zh":
            mood_words = [s if zh_in else _MOOD_WORDS_ZH[c] for c, s in moods] or []
            tempo_zh = _TEMPO_ZH.get(tempo, "中速")
            head = "、".join(mood_words + ([] if tempo_zh in mood_words else [tempo_zh]))
            body = "和".join(z for _, z in instruments) if instruments else ""
            if genre:
                if genre[0] in _FORM_GENRES:
                    body = body + genre[1]
                else:
                    body = (genre[1] + body) if body else genre[1] + "音乐"
            instruction = f"{head}的{body}" + (f"，{vocal}" if vocal else "")
            caption = f"一段{head}的{body}" + ("" if body.endswith(("乐", "曲")) else "曲") + "。"
        else:
            mood_words = [s if not zh_in else c for c, s in moods]
            tempo_word = [] if tempo in mood_words or (tempo == "moderate" and not mood_words) else [tempo]
            head = ", ".join(mood_words + tempo_word)
            body = " and ".join(e for e, _ in instruments)
            if genre:
                if genre[0] in _FORM_GENRES:
                    body = f"{body} {genre[0]}".strip()
                else:
                    body = f"{genre[0]} {body}".strip() if body else f"{genre[0]} music"
            instruction = (f"{head} {body}" if head else f"{body}, moderate tempo") + (f", {vocal}" if vocal else "")
            noun = "" if re.search(r"music|lullaby", body) else " piece"
            phrase = f"{head} {body}{noun}".strip()
            article = "" if phrase.endswith("music") else ("an " if phrase[0] in "aeiou" else "a ")
            caption = _sentence(article + phrase, "en")
        lyrics = ""
        return caption[:MAX_CAPTION_CHARS], instruction[:MAX_CAPTION_CHARS], lyrics

    # --- people ---------------------------------------------------------------------------------
    def _parse_who(self, np: str) -> _Who | None:
        return self._parse_who_zh(np) if self.li == "zh" else self._parse_who_en(np)

    def _parse_who_en(self, np: str) -> _Who | None:
        original = _words(np)
        words = [w.lower() for w in original]
        if not words or len(words) > 7:
            return None
        if words[-1] in ("he", "him", "she", "her") and len(words) <= 2:
            return _Who("", "", pronoun="he" if words[-1] in ("he", "him") else "she")
        if words[-1] in ("i", "we"):
            return self._role_who(_EN_ROLE["narrator"], [])
        head = words[-1]
        if head in _EN_PLURAL or (head.endswith("s") and head[:-1] in _EN_ROLE and head not in _EN_ROLE):
            return _Who(_cap(words[-1]), words[-1], plural=True)
        emotions = [k for k, pat in _EMOTION_EN if any(re.fullmatch(pat, w) for w in words)]
        age = None
        if any(w in ("old", "elderly", "aged", "ancient", "grey-haired", "gray-haired", "white-haired") for w in words):
            age = "elderly"
        elif any(w in ("young", "teenage", "teen", "teenaged") for w in words):
            age = "young"
        elif any(w in ("little", "small", "tiny") for w in words):
            age = "child"
        role = None
        for i in range(len(words) - 1, -1, -1):
            for span in (2, 1):
                phrase = " ".join(words[i - span + 1:i + 1]) if i - span + 1 >= 0 else ""
                if phrase in _EN_ROLE:
                    role = _EN_ROLE[phrase]
                    break
            if role is not None:
                break
        # a proper name wins over a role word ("her friend Tom"), except a capital that only starts the sentence
        for i in range(len(original) - 1, -1, -1):
            w = original[i]
            known = w.lower() in _FEMALE_NAMES or w.lower() in _MALE_NAMES
            if i == 0 and role is not None and not known:
                continue
            if (w[0].isupper() and w.lower() not in _EN_ROLE and w.lower() not in _EN_STOP and w.lower() not in
                    ("old", "young", "little", "a", "an", "the", "his", "her", "my", "our", "their", "mr", "mrs", "ms")
                    and not any(re.fullmatch(p, w.lower()) for _, p in _EMOTION_EN)):
                g = "female" if w.lower() in _FEMALE_NAMES else "male" if w.lower() in _MALE_NAMES else None
                if i > 0 and original[i - 1].lower() in ("mr", "mrs", "ms", "miss", "uncle", "aunt", "grandpa", "grandma"):
                    prev = original[i - 1].lower()
                    g = g or ("male" if prev in ("mr", "uncle", "grandpa") else "female")
                    w = f"{original[i - 1].rstrip('.')}. {w}" if prev in ("mr", "mrs", "ms") else f"{original[i - 1]} {w}"
                return _Who(w, w, gender=g, age=age, emotions=emotions)
        if role is not None:
            who = self._role_who(role, emotions)
            if age:
                who.age = age
            return who
        return None

    def _parse_who_zh(self, np: str) -> _Who | None:
        np = re.sub(r"^(?:一位|一个|一名|那位|这位|那个|这个|位|个|名|只|一只|那|这)", "", np.strip())
        for _ in range(3):
            np = re.sub(r"(?:一边|突然|又|也|就|便|还|都|再|在|正在)$", "", np)
            np = re.sub(r"(?:" + _ZH_ADVERBS + r")(?:地|着)?$", "", np)
            np = re.sub(r"[\u4e00-\u9fff](?:着)$", "", np) if len(np) > 3 else np
        np = np.strip("，,：: ")
        if not np or len(np) > 8:
            return None
        emotions = [k for k, pat in _EMOTION_ZH if re.search(pat, np)]
        if np in ("他", "她"):
            return _Who("", "", pronoun="he" if np == "他" else "she")
        if np in ("我", "我们"):
            return self._role_who(_EN_ROLE["narrator"], [])
        if np.endswith("们"):
            return _Who(np, np, plural=True)
        age = "elderly" if re.search(r"老(?!师|板)|年迈|年老|年长|白发", np) else "young" if "年轻" in np else None
        for w, i in _ZH_ROLE:
            if w in np:
                who = self._role_who(i, emotions)
                who.name_zh = re.sub(r"^(?:的|[\u4e00-\u9fff]{0,4}的)", "", np) if len(np) <= 5 else who.name_zh
                if age:
                    who.age = age
                return who
        if len(np) <= 4 and _CJK.fullmatch(np[0]):
            g = ("female" if any(c in _ZH_FEMALE_CHARS for c in np[1:]) else
                 "male" if any(c in _ZH_MALE_CHARS for c in np[1:]) else None)
            return _Who(np, np, gender=g, age=age, emotions=emotions)
        return None

    def _role_who(self, i: int, emotions: list[str]) -> _Who:
        en_words, zh_words, gender, age, name_en, name_zh, delivery = _ROLES[i]
        return _Who(name_en, name_zh, gender=gender, age=age, delivery=delivery, emotions=list(emotions))

    def _character(self, who: _Who) -> str:
        """Register (or find) a character and return its name in the plan's language."""
        if who.pronoun:
            want = "male" if who.pronoun == "he" else "female"
            for name in reversed(self.salient):
                c = self.chars[name]
                if c.who.gender == want:
                    return name
                if c.who.gender is None and c.who.name_en != "Narrator":
                    c.who.gender = want  # "A detective knocks. … he shouts": the detective is a man
                    return name
            who = self._role_who(_EN_ROLE["man" if want == "male" else "woman"], [])
        name = who.name_zh if self.lo == "zh" else who.name_en
        existing = self.chars.get(name)
        if existing is not None:
            ew = existing.who
            if (ew.gender in (None, who.gender) or who.gender is None) and (ew.age in (None, who.age) or who.age is None):
                ew.gender = ew.gender or who.gender
                ew.age = ew.age or who.age
                return name
            prefix = {"elderly": ("Old", "老"), "young": ("Young", "年轻"), "child": ("Little", "小")}.get(who.age or "")
            name = (f"{prefix[0]} {name}" if self.lo == "en" else prefix[1] + name) if prefix else name
            n = 2
            base = name
            while name in self.chars and (self.chars[name].who.gender, self.chars[name].who.age) != (who.gender, who.age):
                name = f"{base} {n}" if self.lo == "en" else f"{base}{n}"
                n += 1
            if name in self.chars:
                return name
        self.chars[name] = _Char(name, who)
        self.salient.append(name)
        return name

    def _narrator(self) -> str:
        return self._character(self._role_who(_EN_ROLE["narrator"], []))

    def _person_phrase(self, who: _Who) -> str:
        if who.name_en == "Narrator":
            return self.t("a calm adult narrator", "一位平静的成年旁白")
        if who.name_en == "Robot":
            return self.t("a robot", "一个机器人")
        if who.name_en == "Ghost":
            return self.t("a ghostly figure", "一个幽灵")
        g, a = who.gender, who.age
        en = {("male", "elderly"): "an elderly man", ("female", "elderly"): "an elderly woman",
              (None, "elderly"): "an elderly person", ("male", "child"): "a little boy", ("female", "child"): "a little girl",
              (None, "child"): "a child", ("male", "young"): "a young man", ("female", "young"): "a young woman",
              (None, "young"): "a young person", ("male", "adult"): "a man", ("female", "adult"): "a woman",
              ("male", None): "a man", ("female", None): "a woman"}.get((g, a), "an adult")
        zh = {("male", "elderly"): "一位年迈的男性", ("female", "elderly"): "一位年迈的女性", (None, "elderly"): "一位老人",
              ("male", "child"): "一个小男孩", ("female", "child"): "一个小女孩", (None, "child"): "一个孩子",
              ("male", "young"): "一位年轻男性", ("female", "young"): "一位年轻女性", (None, "young"): "一个年轻人",
              ("male", "adult"): "一位成年男性", ("female", "adult"): "一位成年女性", ("male", None): "一位成年男性",
              ("female", None): "一位成年女性"}.get((g, a), "一位成年人")
        return self.t(en, zh)

    def _delivery_text(self, keys: list[str]) -> str:
        seen = []
        for k in keys:
            if k and k in _DELIVERY and k not in seen:
                seen.append(k)
        words = [_DELIVERY[k][1 if self.lo == "zh" else 0] for k in seen[:3]]
        return ("，" if self.lo == "zh" else ", ").join(words)

    def _speech_item(self, scene_i: int, name: str, text: str, deliveries: list[str], user: bool, generated: bool) -> _Item:
        c = self.chars[name]
        keys = [d for d in deliveries if d] + ([c.who.delivery] if c.who.delivery else []) + c.who.emotions
        if not c.voice:
            person = self._person_phrase(c.who)
            lasting = ([c.who.delivery] if c.who.delivery and c.who.name_en != "Narrator" else []) + \
                c.who.emotions + [d for d in deliveries if d == "story"]
            how = self._delivery_text(lasting)
            c.voice = person + (("，" if self.lo == "zh" else ", ") + how if how else "")
        pace = 1.0
        for k in keys:
            pace *= _PACE.get(k, 1.0)
        how = self._delivery_text(keys)
        caption = self.t(f"{_cap(self._person_phrase(c.who))} speaking" + (f", {how}" if how else "") + ".",
                         f"{self._person_phrase(c.who)}在说话" + (f"，{how}" if how else "") + "。")
        if name not in self.recent[-1:]:
            self.recent.append(name)
        if name in self.salient:
            self.salient.remove(name)
        self.salient.append(name)
        return _Item("speech", scene_i, caption=caption[:MAX_CAPTION_CHARS], text=text.strip()[:MAX_TEXT_CHARS],
                     character=name, instruction=how, pace=pace, user_line=user, generated=generated)

    # --- speech ---------------------------------------------------------------------------------
    def _say_verbs(self, text: str) -> list[re.Match]:
        if self.li == "zh":
            return [m for m in _ZH_SAY.finditer(text) if not (m.start() > 0 and text[m.start() - 1] in _ZH_NOT_SAY_BEFORE)]
        return list(_EN_SAY.finditer(text))

    def _emotions(self, text: str) -> list[str]:
        if self.li == "zh":
            return [k for k, pat in _EMOTION_ZH if re.search(pat, text)]
        return [k for k, pat in _EMOTION_EN if _rx(pat, "", "en").search(text)]

    def _delivery_of(self, verb: str) -> str:
        return (_ZH_SAY_DELIVERY if self.li == "zh" else _EN_SAY_DELIVERY).get(verb.lower(), "")

    def _listener(self, after: str) -> tuple[_Who | None, str]:
        """The person spoken to, right after the verb: 'tells his grandson a story', '告诉孙子…'."""
        if self.li == "zh":
            a = after.lstrip("了着")
            for w, i in _ZH_ROLE:
                if a.startswith(w):
                    return self._role_who(i, []), a[len(w):]
            return None, after
        m = re.match(r"\s*(?:to\s+)?((?:(?:his|her|their|the|a|an|my|our|its|young|little|old|small)\s+){0,3})([A-Za-z-]+)"
                     r"(\s+[A-Za-z-]+)?", after, re.I)
        if m:
            two = (m.group(2) + (m.group(3) or "")).lower().strip()
            word = m.group(2)
            dets = (m.group(1) or "").lower().split()
            owned = after.lstrip().lower().startswith("to ") or any(d in ("his", "her", "their", "the", "my", "our")
                                                                     for d in dets)
            if re.match(r"\s*(?:story|stories|tale|legend|joke|secret)\b", after[m.end(2):], re.I) or not owned:
                two = word = "-"
            if two in _EN_ROLE:
                return self._role_who(_EN_ROLE[two], []), after[m.end():]
            if word.lower() in _EN_ROLE and word.lower() not in ("someone", "somebody"):
                end = m.end(2)
                return self._role_who(_EN_ROLE[word.lower()], []), after[end:]
            if word[0].isupper() and word.lower() not in _EN_STOP and not m.group(1) and word != "-":
                g = "female" if word.lower() in _FEMALE_NAMES else "male" if word.lower() in _MALE_NAMES else None
                return _Who(word, word, gender=g), after[m.end(2):]
        return None, after

    def _speech_clause(self, raw: str, body: str) -> bool:
        """Reported speech without quotation marks: 'an old fisherman tells his grandson a story'."""
        main, tail = self._split_tail(body)
        verbs = [m for m in self._say_verbs(main) if m.group(1).lower() not in _QUOTE_ONLY]
        if not verbs:
            return False
        m = verbs[0]
        pre, after = main[:m.start()], main[m.end():]
        lead = ""
        if self.li == "zh":
            cut = max(pre.rfind("，"), pre.rfind(","))
            if cut >= 0:
                lead, pre = pre[:cut], pre[cut + 1:]
            parts = re.split(r"(?:给|对|向|跟|和|朝)(?=[\u4e00-\u9fff])", pre, maxsplit=1)
            speaker_np = parts[0]
            listener = self._parse_who_zh(parts[1]) if len(parts) > 1 else None
        else:
            bounds = list(re.finditer(r"\s(?:and|as|while|then|when)\s|,", pre))
            if bounds:
                lead, pre = pre[:bounds[-1].start()], pre[bounds[-1].end():]
            speaker_np = pre
            listener = None
        who = self._parse_who(speaker_np)
        if who is None or who.plural:
            return False
        self.recognised += 1
        if lead.strip():
            self._clause(lead)
        if tail:
            self._sound_clause(tail, as_bed=True)
        scene_i, _ = self._enter_scene(main)
        name = self._character(who)
        if listener is None:
            listener, rest = self._listener(after)
        else:
            rest = after
        listener_name = self._character(listener) if listener else None
        deliveries = [self._delivery_of(m.group(1))] + self._emotions(main)
        kind, payload = self._reported_line(m.group(1), rest, main, listener_name)
        scene = self.scenes[scene_i]
        if kind == "story":
            item = _Item("speech", scene_i, character=name, story=(payload, name, listener_name, deliveries + ["story"]))
            scene.items.append(item)
            if name not in self.recent[-1:]:
                self.recent.append(name)
        else:
            deliveries = [d for d in deliveries if d != "story"]  # "tells her to close her eyes" is not a story
            scene.items.append(self._speech_item(scene_i, name, payload, deliveries, user=False, generated=True))
        return True

    def _topic_line(self, text: str) -> str | None:
        for key, pat in (_LINE_TOPICS_ZH if self.li == "zh" else _LINE_TOPICS_EN):
            if self._re(pat, pat, text):
                return key
        return None

    def _reported_line(self, verb: str, rest: str, clause: str, listener: str | None) -> tuple[str, str]:
        """What a character says when the instruction only reports it. ('story', topic) or ('line', text)."""
        lang_text = lambda key: _LINES[key][1 if self.lo == "zh" else 0]  # noqa: E731
        story_words = _STORY_WORDS_ZH if self.li == "zh" else _STORY_WORDS_EN
        if story_words.search(clause) or verb in ("讲故事", "讲述"):
            return "story", self._story_topic(clause)
        topic = self._topic_line(clause)
        if topic:
            return "line", lang_text(topic)
        if self.li == "zh":
            content = re.sub(r"^[了着道起：:，,\s]+", "", rest).strip("。，")
            if len(_CJK.findall(content)) >= 2 and not re.match(r"(?:一句|几句|一些|什么|话)", content):
                if self.lo == "zh":
                    return "line", _sentence((f"{listener}，" if listener and verb == "告诉" else "") + content, "zh")
        else:
            low = re.sub(r"^(?:him|her|them|me|us|everyone|everybody|you)\s+(?=(?:not\s+)?to\b|that\b)", "",
                         rest.strip(), flags=re.I)
            m = re.match(r"(?:to|not to)\s+(.+)", low, re.I)
            reported = None
            if m and verb.lower() in ("tells", "told", "tell", "asks", "asked", "begs", "warns", "warned", "orders"):
                line = re.sub(r"\b(?:his|her|their)\b", "your", m.group(1), flags=re.I)
                line = re.sub(r"\b(?:himself|herself|themselves)\b", "yourself", line, flags=re.I)
                line = ("Don't " if low.lower().startswith("not") else "") + line
                reported = _sentence(line, "en").rstrip(".") + "!"
            elif m := re.search(r"\bthat\s+(.+)", low, re.I):
                reported = _sentence(self._first_person(m.group(1)), "en")
            elif m := re.search(r"\b(?:if|whether)\s+(.+)", low, re.I):
                reported = f"Do you think {m.group(1).strip().rstrip('.?')}?"
            if reported:
                # the reported words can only be written in the instruction's own language
                return "line", reported if self.lo == "en" else lang_text("remark")
        if self._delivery_of(verb) == "story" and verb not in ("讲", "讲了"):
            return "story", self._story_topic(clause)
        scene = self.scenes[-1]
        if self._delivery_of(verb) == "curious":
            return "line", lang_text("question")
        if scene.weather == "storm":
            return "line", lang_text("storm")
        if scene.time == "night":
            return "line", lang_text("night")
        return "line", lang_text("remark")

    @staticmethod
    def _first_person(s: str) -> str:
        s = s.strip()
        swaps = [(r"^(?:he|she) is\b", "I am"), (r"^(?:he|she) was\b", "I was"), (r"^(?:he|she) has\b", "I have"),
                 (r"^(?:he|she) does\b", "I do"), (r"^(?:he|she) (will|would|can|could|should|must|might)\b", r"I \1"),
                 (r"^(?:he|she) (\w+?)s\b", r"I \1"), (r"^they are\b", "we are"), (r"^they\b", "we")]
        for pat, rep in swaps:
            new = re.sub(pat, rep, s, flags=re.I)
            if new != s:
                return re.sub(r"\b(?:his|her)\b", "my", new, flags=re.I)
        return s

    def _story_topic(self, clause: str) -> str:
        for text in (clause, self.story_text):
            best = None
            for topic, en, zh in _STORY_TOPICS:
                m = _rx(en, zh, self.li).search(text)
                if m and (best is None or m.start() < best[0]):
                    best = (m.start(), topic)
            if best:
                return best[1]
        return "generic"

    # quoted speech ------------------------------------------------------------------------------
    def _attr_tail(self, piece: str) -> tuple[_Who, str, _Who | None, list[str], int] | None:
        """Speaker introducing the next quotation: 'Anna says,' / '小明说：'. Returns (who, verb, listener, emotions,
        start of the consumed text)."""
        text = piece.rstrip(" ,:：—-\t")
        verbs = self._say_verbs(text)
        if not verbs:
            return None
        v = verbs[-1]
        after = text[v.end():]
        if self.li == "zh":
            if len(after.strip()) > 6:
                return None
            start = max(text.rfind("，", 0, v.start()), text.rfind("。", 0, v.start()), text.rfind(",", 0, v.start())) + 1
            parts = re.split(r"(?:给|对|向|跟|朝)(?=[\u4e00-\u9fff])", text[start:v.start()], maxsplit=1)
            who = self._parse_who_zh(parts[0])
            listener = self._parse_who_zh(parts[1]) if len(parts) > 1 else None
            if who is None:
                return None
            return who, v.group(1), listener, self._emotions(text[start:]), start
        if len(_words(after)) > 5:
            return None
        bounds = [b for b in re.finditer(r"\s(?:and|as|while|then|when)\s|[,.;!?]", text[:v.start()])]
        start = bounds[-1].end() if bounds else 0
        np = text[start:v.start()]
        if not _words(np) and len(bounds) >= 1:
            start = bounds[-2].end() if len(bounds) >= 2 else 0
            np = text[start:bounds[-1].start()]
        who = self._parse_who_en(np)
        if who is None:
            if not _words(np) or len(_words(np)) > 4 or _sound_hits(np, "en"):
                return None
            head = _words(np)[-1]
            who = _Who(_cap(head), head)
        listener, _ = self._listener(after)
        return who, v.group(1), listener, self._emotions(text[start:]), start

    def _attr_head(self, piece: str) -> tuple[_Who, str, list[str], int] | None:
        """Speaker after a quotation: ', says the old man.' / ' he shouts.' / '他说。'."""
        if self.li == "zh":
            m = re.match(r"^\s*([^，。；！？,]{0,10}?)(" + _ZH_SAY_ALT + r")[^，。；！？,]{0,4}[，。；！？,]?", piece)
            if not m:
                return None
            who = self._parse_who_zh(m.group(1))
            return (who, m.group(2), self._emotions(m.group(0)), m.end()) if who else None
        lead = re.match(r"^[\s,—-]*", piece).end()
        stop = re.search(r"[.;!?]|,\s|\s(?:and|then)\s", piece[lead:])
        end = lead + (stop.start() if stop else len(piece) - lead)
        seg = piece[lead:end]
        verbs = list(_EN_SAY.finditer(seg))
        if not verbs or len(_words(seg)) > 7:
            return None
        v = verbs[0]
        before, after = seg[:v.start()], seg[v.end():]
        who = self._parse_who_en(before) if _words(before) else self._parse_who_en(after)
        if who is None:
            return None
        consumed = end + (1 if stop and piece[end:end + 1] in ".;!?," else 0)
        return who, v.group(1), self._emotions(seg), consumed

    def _quoted_sentence(self, sentence: str) -> None:
        parts = _PH.split(sentence)
        texts, qids = parts[0::2], [int(q) for q in parts[1::2]]
        n = len(qids)
        head_cut = [0] * (n + 1)
        tail_cut = [len(t) for t in texts]
        attrib: list[tuple | None] = [None] * n
        for k in range(n):
            a = self._attr_tail(texts[k])
            if a:
                who, verb, listener, emos, start = a
                attrib[k] = (who, verb, listener, emos)
                tail_cut[k] = start
        for k in range(n):
            if attrib[k] is None:
                a = self._attr_head(texts[k + 1][:tail_cut[k + 1]])
                if a:
                    who, verb, emos, consumed = a
                    attrib[k] = (who, verb, None, emos)
                    head_cut[k + 1] = consumed
        for k in range(n + 1):
            middle = texts[k][head_cut[k]:tail_cut[k]]
            middle = re.sub(r"(?:[\s,，]|\b(?:and|then|as|while|when)\b)+$", "", middle, flags=re.I)
            for clause in self._clauses(middle):
                self._clause(clause)
            if k < n:
                self._emit_quote(self.quotes[qids[k]], attrib[k])

    def _emit_quote(self, text: str, attrib: tuple | None) -> None:
        self.recognised += 1
        scene_i = len(self.scenes) - 1
        if attrib is None:
            if len(set(self.recent[-2:])) == 2:
                name = self.recent[-2]  # an unattributed reply alternates between the last two speakers
            else:
                name = self._narrator()
            deliveries: list[str] = []
        else:
            who, verb, listener, emos = attrib
            name = self._character(who)
            if listener is not None:
                self._character(listener)
            deliveries = [self._delivery_of(verb)] + emos
            if _count_units(text) < 8:
                deliveries = [d for d in deliveries if d != "story"]  # 'tells him, "Stay close."' is not a story
        text = re.sub(r"[,，]\s*$", "", text.strip())
        text = text + ("。" if _CJK.search(text[-1:]) else ".") if text and text[-1].isalnum() else text
        if re.search(r"[?？]\s*$", text) and "curious" not in deliveries:
            deliveries.append("curious")
        if len(text) > MAX_TEXT_CHARS:
            self.notes.append(self.t(f"A quoted line was longer than {MAX_TEXT_CHARS} characters and was cut.",
                                     f"有一句引用的台词超过 {MAX_TEXT_CHARS} 个字符，已截断。"))
        self.scenes[scene_i].items.append(self._speech_item(scene_i, name, text, deliveries, user=True, generated=False))

    # --- fallback -------------------------------------------------------------------------------
    def _fallback(self, story: str) -> None:
        """Nothing was understood: one sound per clause plus a narrator reading each sentence."""
        self.notes.append(self.t(
            "The instruction's phrasing was not recognised, so each clause became a sound described by its own words "
            "and a narrator reads the story; edit the captions to say what should be heard.",
            "未能识别指令的表述：每个分句都作为一个按原文描述的声音，并由旁白朗读故事；请修改字幕说明应听到的声音。"))
        self.scenes = [_Scene()]
        narrator = self._narrator()
        text = self._hide_quotes(story)
        for sentence in self._sentences(text):
            plain = _PH.sub(lambda m: self.quotes[int(m.group(1))], sentence).strip()
            if not plain.strip(" .。"):
                continue
            self.scenes[0].items.append(self._speech_item(0, narrator, plain, ["narration"], user=True, generated=False))
            for clause in self._clauses(sentence):
                clause = _PH.sub(lambda m: self.quotes[int(m.group(1))], clause)
                item = _Item("sound", 0, caption=_sentence(clause, self.li)[:MAX_CAPTION_CHARS], lo=2.0, hi=12.0, w=2.0)
                item.instruction = self._sound_instruction(clause, self.scenes[0])
                self.scenes[0].items.append(item)

    # --- written stories --------------------------------------------------------------------------
    def expand_stories(self) -> None:
        """Turn each 'X tells a story' into lines from the bank, sized to about half the story's length."""
        tellers = [(s, i) for s in self.scenes for i in s.items if i.story]
        if not tellers:
            return
        fixed = sum(estimate_speech_seconds(i.text, i.pace) for s in self.scenes for i in s.items
                    if i.kind == "speech" and not i.story)
        share = max(4.0, 0.5 * self.T - fixed) / len(tellers)
        written = []
        for scene, item in tellers:
            topic, teller, listener, deliveries = item.story
            first = list(_STORIES.get(topic, []))
            generic = [] if topic == "generic" else list(_STORIES["generic"])
            others = [b for t, banks in _STORIES.items() if t not in (topic, "generic") for b in banks]
            self.rng.shuffle(first)
            self.rng.shuffle(generic)
            self.rng.shuffle(others)
            rest = generic + others
            lines: list[str] = []
            total = 0.0
            for b, bank in enumerate(first + rest):
                seq = ([self.t(*_ANOTHER_STORY)] if b else []) + [self.t(*pair) for pair in bank]
                for line in seq:
                    d = estimate_speech_seconds(line, 0.95) + 0.3
                    if lines and total + d > share:
                        break
                    lines.append(line)
                    total += d
                else:
                    continue
                break
            if lines and lines[-1] == self.t(*_ANOTHER_STORY):
                lines.pop()
            who = self.chars[teller].who
            addr = ({("male", "elderly"): ("Grandpa", "爷爷"), ("female", "elderly"): ("Grandma", "奶奶")}.get(
                (who.gender, who.age)) or {"Father": ("Dad", "爸爸"), "Mother": ("Mom", "妈妈")}.get(who.name_en))
            replies = list(_REPLIES)
            self.rng.shuffle(replies)
            new: list[_Item] = []
            for k, line in enumerate(lines):
                new.append(self._speech_item(item.scene, teller, line, deliveries, user=False, generated=True))
                if listener and len(lines) >= 3 and k % 3 == 1 and k < len(lines) - 1:
                    en, zh = replies[(k // 3) % len(replies)]
                    text = self.t(en, zh)
                    text = (text.replace("{addr}", self.t(*addr)) if addr else
                            text.replace(", {addr}", "").replace("{addr}，", "").replace("{addr}", ""))
                    r = self._speech_item(item.scene, listener, text, ["curious"] if "?" in text or "？" in text else [],
                                          user=False, generated=True)
                    r.reply = True
                    new.append(r)
            idx = scene.items.index(item)
            scene.items[idx:idx + 1] = new
            written.append(teller)
        self.notes.append(self.t(
            f"The planner wrote the lines for {', '.join(dict.fromkeys(written))} from its story bank; edit them freely.",
            f"{'、'.join(dict.fromkeys(written))}的台词由规划器从故事库中选写，可随意修改。"))

    # --- timing ---------------------------------------------------------------------------------
    def _fg(self) -> list[_Item]:
        return self.intro + [i for s in self.scenes for i in s.items] + self.ending

    def _gaps(self, fg: list[_Item]) -> list[float]:
        gaps = []
        for j, it in enumerate(fg):
            if j == 0:
                gaps.append(round(self.lead_pad, 2))
                continue
            prev = fg[j - 1]
            if it.kind == "speech" and prev.kind == "speech":
                gaps.append(0.25 if prev.character == it.character else 0.35)
            elif it.kind == "speech" or prev.kind == "speech":
                gaps.append(0.2)
            elif it in self.ending:
                gaps.append(0.3)
            else:
                gaps.append(0.0)
        return gaps

    def _budget(self) -> tuple[list[_Item], list[float], float]:
        fg = self._fg()
        gaps = self._gaps(fg)
        for it in fg:
            if it.kind == "speech":
                it.duration = round(estimate_speech_seconds(it.text, it.pace), 2)
        speech = sum(it.duration for it in fg if it.kind == "speech")
        return fg, gaps, self.T - sum(gaps) - speech

    def fit(self) -> None:
        if not self._fg() and self.music_beds:
            # music "throughout" with nothing else to sit under: the music is the story
            cap, instr = self.music_beds.pop(0)
            self.scenes[0].items.append(_Item("music", 0, caption=cap, instruction=instr, lo=4.0, hi=28.0, w=3.0))
        fg, gaps, budget = self._budget()
        if not fg:
            raise ValueError("the instruction produced no events; describe at least one sound, line or piece of music")
        flex = [it for it in fg if it.kind != "speech"]
        if budget < sum(it.lo for it in flex) - 1e-6:
            self._shrink()
        self._extend()
        fg, gaps, budget = self._budget()
        flex = [it for it in fg if it.kind != "speech"]
        for it, d in zip(flex, _water_fill(flex, budget)):
            it.duration = round(d, 2)

    def _shrink(self) -> None:
        """Speech does not fit: tighten minimums, drop written lines, then shorten quoted ones."""
        def over() -> float:
            fg, _, budget = self._budget()
            return sum(it.lo for it in fg if it.kind != "speech") - budget

        for it in self._fg():
            if it.kind == "music":
                it.lo = min(it.lo, 3.0)
            elif it.kind == "sound":
                it.lo = 1.5
        if over() <= 0:
            return
        dropped = 0
        for pred in (lambda i: i.reply, lambda i: i.generated and not i.user_line):
            for s in self.scenes:
                for it in reversed(list(s.items)):
                    if over() <= 0:
                        break
                    if it.kind == "speech" and pred(it):
                        same = [x for sc in self.scenes for x in sc.items
                                if x.character == it.character and x.kind == "speech"]
                        if len(same) > 1 or it.reply:
                            s.items.remove(it)
                            dropped += 1
        def over_pref() -> float:
            # shortened lines leave sounds and music a few seconds each, not just their bare minimum
            fg, _, budget = self._budget()
            return sum(min(it.hi, max(it.lo, 4.0)) for it in fg if it.kind != "speech") - budget

        trimmed = 0
        while over() > 0:
            speech = [it for it in self._fg() if it.kind == "speech" and len(it.text) > 1]
            if not speech:
                break
            longest = max(speech, key=lambda i: estimate_speech_seconds(i.text, i.pace))
            need = max(over(), over_pref())
            keep = max(0.8, estimate_speech_seconds(longest.text, longest.pace) - need - 0.2)
            new = _cut_text(longest.text, keep, longest.pace)
            if new == longest.text:
                break
            longest.text = new
            trimmed += 1
        removed = 0
        while over() > 0:
            sounds = [it for it in self._fg() if it.kind == "sound" and not it.keys] or \
                     [it for it in self._fg() if it.kind == "sound"][1:]
            if not sounds:
                break
            victim = sounds[-1]
            for s in self.scenes:
                if victim in s.items:
                    s.items.remove(victim)
            removed += 1
        if over() > 1e-6:
            raise ValueError(f"the story cannot fit in {self.T:g} s even after shortening every line; "
                             f"ask for a longer duration or a shorter story")
        msg_en = f"The speech needs more time than the {self.T:g} s story allows: "
        msg_zh = f"对白所需时间超过了 {self.T:g} 秒的总时长："
        parts_en, parts_zh = [], []
        if dropped:
            parts_en.append(f"dropped {dropped} written line(s)")
            parts_zh.append(f"删去了 {dropped} 句规划器写的台词")
        if trimmed:
            parts_en.append(f"shortened {trimmed} line(s)")
            parts_zh.append(f"缩短了 {trimmed} 句台词")
        if removed:
            parts_en.append(f"removed {removed} sound event(s)")
            parts_zh.append(f"删去了 {removed} 个声音事件")
        parts_en.append("sounds and music were kept short")
        parts_zh.append("声音和音乐都尽量缩短")
        self.notes.append(self.t(msg_en + ", ".join(parts_en) + ". Ask for a longer duration to keep everything.",
                                 msg_zh + "，".join(parts_zh) + "。如需保留全部内容，请加长时长。"))

    def _extend(self) -> None:
        """Too little material for the target: add sound beats to the scenes (and let music grow if alone)."""
        added = 0
        for _ in range(50):
            fg, gaps, budget = self._budget()
            flex = [it for it in fg if it.kind != "speech"]
            deficit = budget - sum(it.hi for it in flex)
            if deficit <= 1e-6:
                break
            scenes = [s for s in self.scenes if any(i.kind != "music" for i in s.items)]
            if deficit < 2.0:
                # too little for a clip of its own: let existing clips grow, else leave a short pause up front
                cap = {"sound": MAX_SOUND_CLIP_S - 0.5, "music": 600.0}
                stretchable = [it for it in flex if it.hi < cap[it.kind] - 0.01]
                if stretchable:
                    for it in stretchable:
                        it.hi = min(cap[it.kind], it.hi + deficit / len(stretchable))
                else:
                    self.lead_pad += deficit
                continue
            if not scenes:
                music = [it for it in fg if it.kind == "music"]
                inline = [it for it in music if it.scene >= 0] or music
                if not inline:
                    raise ValueError("nothing to fill the story with; describe at least one sound, line or music")
                for it in inline:
                    it.hi = min(float(MAX_DURATION_S), it.hi + deficit / len(inline))
                continue
            n = max(1, math.ceil(deficit / 24.0))
            weights = [len(s.items) for s in scenes]
            counts = [0] * len(scenes)
            for j in range(n):
                k = max(range(len(scenes)), key=lambda i: weights[i] / (counts[i] + 1))
                counts[k] += 1
            for s, c in zip(scenes, counts):
                if c:
                    self._insert_beats(s, c)
                    added += c
        if added:
            self.notes.append(self.t(f"Extended the scenes with {added} extra sound beat(s) to fill {self.T:g} s.",
                                     f"为填满 {self.T:g} 秒，场景中增加了 {added} 个声音片段。"))

    def _beat_pool(self, scene: _Scene) -> list[tuple[str, str, bool]]:
        """Sounds that can recur in a scene: its place's beats, its continuous sources and one-shots that
        naturally repeat (gulls, hooves, thunder). Single events (a door, a kettle) are not repeated."""
        pool: list[tuple[str, str, bool]] = []
        setting = _SETTING_BY_KEY.get(scene.loc or "") or (_SETTING_BY_KEY["house"] if scene.indoor else None)
        if setting:
            pool += [(en, zh, False) for en, zh in setting.beats]
        keys = list(scene.keys) + ([scene.weather] if scene.weather and scene.weather not in scene.keys else [])
        for key in keys:
            row = _SOUND_BY_KEY[key]
            if row[3] and key not in _RECURRING:
                continue
            for trig, en, zh in row[6]:
                if trig is None and en not in scene.used:
                    pool.append((en, zh, row[3]))
        if len(pool) < 2:
            pool += [p for p in _GENERIC_BEATS[scene.indoor] if p not in pool]
            if scene.time in ("night", "evening") and not scene.indoor:
                pool += [("crickets chirp in the dark", "黑暗中蟋蟀鸣叫", False), ("an owl calls far away", "远处一只猫头鹰在叫", True)]
        return pool

    def _insert_beats(self, scene: _Scene, count: int) -> None:
        pool = self._beat_pool(scene)
        self.rng.shuffle(pool)
        uses = {self._beat_caption(p, ""): 0 for p in pool}
        for i in scene.items:
            for p in pool:
                if i.caption.startswith(self._beat_caption(p, "").rstrip(".。")):
                    uses[self._beat_caption(p, "")] += 1
        time = dict((k, p[0]) for k, _, _, p in _TIMES).get(scene.time or "", "")
        beats = []
        for _ in range(count):
            # the least-heard sound next, so a long scene cycles through everything before repeating
            en, zh, shot = min(pool, key=lambda p: uses[self._beat_caption(p, "")])
            uses[self._beat_caption((en, zh, shot), "")] += 1
            caption = self._beat_caption((en, zh, shot), time)
            beat = _Item("sound", self.scenes.index(scene), caption=caption, shot=shot, generated=True,
                         lo=2.0, hi=8.0 if shot else 24.0, w=1.0 if shot else 2.5)
            beat.instruction = self._sound_instruction(en if self.li == "en" else zh, scene)
            beats.append(beat)
        m = len(scene.items)
        positions = sorted(max(1, round((j + 1) * m / (count + 1))) for j in range(count))
        for off, (pos, beat) in enumerate(zip(positions, beats)):
            scene.items.insert(pos + off, beat)

    def _beat_caption(self, p: tuple[str, str, bool], time: str) -> str:
        en, zh, _ = p
        if self.lo == "zh":
            return _sentence(zh, "zh")
        return _sentence(en.replace("{at}", f" {time}" if time else ""), "en")

    # --- assembly -------------------------------------------------------------------------------
    def _bed_caption(self, scene: _Scene) -> str:
        setting = _SETTING_BY_KEY.get(scene.loc or "")
        zh = self.lo == "zh"
        time_en, time_zh = dict((k, p) for k, _, _, p in _TIMES).get(scene.time or "", ("", ""))
        if scene.weather:
            w = _WEATHER_BED[scene.weather]
            core_en, core_zh = (w[2], w[3]) if scene.indoor else (w[0], w[1])
            if setting and not scene.indoor:
                core_en += " " + setting.en_phrase
                core_zh = setting.zh_phrase + core_zh
        elif setting:
            night = bool(setting.night and scene.time in ("night", "evening"))
            core_en, core_zh = setting.night if night else setting.bed
            if night:
                time_en = time_zh = ""
        elif scene.time in ("night", "evening"):
            core_en, core_zh = ("quiet night air with distant crickets", "宁静的夜色中远处虫鸣")
            time_en = time_zh = ""
        elif scene.indoor:
            core_en, core_zh = ("quiet room tone", "安静的室内环境声")
        else:
            core_en, core_zh = ("soft outdoor ambience with a light breeze", "轻柔的户外环境声，微风拂过")
        extras = [k for k in scene.extras if k != scene.weather][:2]
        extra_en = [_SOUND_BY_KEY[k][6][-1][1].replace("{at}", "") for k in extras]
        extra_zh = [_SOUND_BY_KEY[k][6][-1][2] for k in extras]
        if zh:
            text = (f"{time_zh}，" if time_zh and time_zh not in core_zh else "") + core_zh
            text += "".join(f"，{e}" for e in extra_zh)
            return _sentence(text, "zh")
        text = core_en + (f" {time_en}" if time_en and time_en not in core_en else "")
        if extra_en:
            text += ", with " + " and ".join(extra_en)
        return _sentence(text, "en")

    def build(self, title: str, seed: int) -> Plan:
        fg = self._fg()
        gaps = self._gaps(fg)
        for it in fg:
            it.duration = max(0.01, round(it.duration, 2))
        self._fix_total(fg, gaps)
        ordered: list[tuple[str, object]] = []
        for cap, instr in self.music_beds:
            ordered.append(("musicbed", (cap, instr)))
        ordered += [("fg", it) for it in self.intro]
        for scene in self.scenes:
            if not scene.items:
                continue
            if any(i.kind != "music" for i in scene.items) or scene.extras or scene.weather or scene.loc:
                ordered.append(("bed", scene))
            ordered += [("fg", it) for it in scene.items]
        ordered += [("fg", it) for it in self.ending]
        ids: dict[int, str] = {}
        for n, (_, obj) in enumerate(ordered, start=1):
            ids[id(obj)] = f"s{n:02d}"
        gap_of = {id(it): g for it, g in zip(fg, gaps)}
        segments: list[Segment] = []
        # planned spans, as layout() will place them (all gaps are ≥ 0), give the beds their durations
        span = {ids[id(it)]: ab for it, ab in zip(fg, foreground_spans([it.duration for it in fg], gaps))}
        used_chars: list[str] = []
        for kind, obj in ordered:
            sid = ids[id(obj)]
            if kind == "fg":
                it: _Item = obj  # type: ignore[assignment]
                fade_in = fade_out = 0.0
                if it.kind == "sound" and not it.shot:
                    fade_in = fade_out = round(min(0.5, it.duration / 4), 2)
                elif it.kind == "music":
                    fade_in = round(min(1.0, it.duration / 4), 2)
                    fade_out = round(min(3.0, it.duration / 3), 2)
                if it.character and it.character not in used_chars:
                    used_chars.append(it.character)
                segments.append(Segment(
                    id=sid, kind=it.kind, track="foreground", gap=round(gap_of[id(it)], 2), duration=it.duration,
                    caption=it.caption[:MAX_CAPTION_CHARS], text=it.text[:MAX_TEXT_CHARS], character=it.character,
                    instruction=it.instruction[:MAX_CAPTION_CHARS], fade_in=fade_in, fade_out=fade_out))
            elif kind == "bed":
                scene: _Scene = obj  # type: ignore[assignment]
                first, last = ids[id(scene.items[0])], ids[id(scene.items[-1])]
                d = max(0.01, round(span[last][1] - span[first][0], 2))
                segments.append(Segment(
                    id=sid, kind="sound", track="background", covers=[first, last], duration=d,
                    caption=self._bed_caption(scene), gain_db=-6.0,
                    instruction=self.t("soft, ", "轻柔，") + self._environment(scene),
                    fade_in=round(min(2.0, d / 4), 2), fade_out=round(min(2.0, d / 4), 2)))
            else:
                cap, instr = obj  # type: ignore[misc]
                core = [x for x in fg if x not in self.ending] or fg
                first, last = ids[id(core[0])], ids[id(core[-1])]
                d = max(0.01, round(span[last][1] - span[first][0], 2))
                segments.append(Segment(
                    id=sid, kind="music", track="background", covers=[first, last], duration=d, caption=cap,
                    instruction=instr, gain_db=-10.0, fade_in=round(min(3.0, d / 4), 2),
                    fade_out=round(min(3.0, d / 4), 2)))
        characters = []
        for n in used_chars:
            voice = self.chars[n].voice or self._person_phrase(self.chars[n].who)
            characters.append(Character(name=n, voice=VoiceSpec(instruction=voice[:MAX_CAPTION_CHARS])))
        return Plan(title=title[:200] or "Untitled story", instruction=self.src, language=self.lo,
                    target_duration=self.T, seed=seed, characters=characters, segments=segments, notes=self.notes)

    def _fix_total(self, fg: list[_Item], gaps: list[float]) -> None:
        """Rounding leaves a few hundredths; give them to the clip with the most room."""
        for _ in range(4):
            total = sum(gaps) + sum(it.duration for it in fg)
            diff = round(self.T - total, 2)
            if abs(diff) < 0.005:
                return
            flex = [it for it in fg if it.kind != "speech"] or fg
            if diff > 0:
                it = max(flex, key=lambda i: (MAX_SOUND_CLIP_S if i.kind == "sound" else MAX_DURATION_S) - i.duration)
                cap = MAX_SOUND_CLIP_S if it.kind == "sound" else MAX_DURATION_S
                it.duration = round(min(cap, it.duration + diff), 2)
            else:
                it = max(flex, key=lambda i: i.duration)
                it.duration = round(max(0.5, it.duration + diff), 2)


def _water_fill(items: list[_Item], budget: float) -> list[float]:
    """Share `budget` seconds in proportion to weights, each within [lo, hi]."""
    return fit_durations([Elastic(i.w, lo=i.lo, hi=i.hi) for i in items], budget)


def _cut_text(text: str, seconds: float, pace: float) -> str:
    """Shorten a line to about `seconds`, at a sentence end when possible, else at a word."""
    if estimate_speech_seconds(text, pace) <= seconds:
        return text
    sentences = re.findall(r"[^.!?。！？]+[.!?。！？]*", text)
    out = ""
    for s in sentences:
        if out and estimate_speech_seconds(out + s, pace) > seconds:
            break
        out += s
    if out and estimate_speech_seconds(out, pace) <= seconds and out != text:
        return out.strip()
    if _CJK.search(text) and not re.search(r"[A-Za-z]{2,}", text):
        n = max(1, int((seconds - 0.3) * ZH_CHARS_PER_S * pace))
        return text[:n].rstrip("，,、") + "……"
    words = text.split()
    n = max(1, int((seconds - 0.3) * EN_WORDS_PER_S * pace))
    return " ".join(words[:n]).rstrip(",;:") + "…"


def _title(story: str, lang: str) -> str:
    first = re.split(r"[.!?;\n。！？；]", story.strip(), maxsplit=1)[0]
    if lang == "zh" or _CJK.search(first[:10]):
        chunks = [c for c in re.split(r"[，,：:]", re.sub(r'["“”「」]', "", first)) if c.strip()] or [""]
        first = next((c for c in chunks if len(_CJK.findall(c)) >= 4), chunks[0])
        return (first[:16] + ("…" if len(first) > 16 else "")) or "未命名故事"
    first = re.sub(r'["“”]', "", first)
    chunks = [c for c in re.split(r"[,:]", first) if c.strip()] or [""]
    first = next((c for c in chunks if len(c.split()) >= 3), first)
    small = {"a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "by", "for", "with", "as", "from", "into"}
    words = first.replace(",", " ,").replace(":", " :").split()
    cut = [i for i, w in enumerate(words) if i >= 3 and w.lower() in (",", ":", "as", "while", "then", "when", "and")]
    words = [w for w in words[:cut[0] if cut and cut[0] <= 9 else 8] if w not in (",", ":")]
    while len(words) > 3 and words[-1].lower() in small | {"with", "from", "to", "a", "the"}:
        words.pop()  # "… Leaves the Station with a" → "… Leaves the Station"
    out = [w if (i and w.lower() in small) else (w[:1].upper() + w[1:]) for i, w in enumerate(words)]
    out = [w.lower() if i and w.lower() in small else w for i, w in enumerate(out)]
    return " ".join(out) or "Untitled Story"


# =====================================================================================================
# The backend
# =====================================================================================================
class TemplatePlanner:
    """Rule-based planner for the offline profile: instruction → Plan, deterministic for a seed (see module doc)."""

    capabilities = CAPABILITIES

    def plan(self, instruction: str, duration: float | None = None, language: str | None = None,
             seed: int = 0) -> Plan:
        if not isinstance(instruction, str) or not instruction.strip():
            raise ValueError("the instruction is empty: describe the story to plan, e.g. 'A storm reaches a fishing "
                             "village at night; an old fisherman tells his grandson a story. 90 seconds.'")
        if len(instruction) > MAX_INSTRUCTION_CHARS:
            raise ValueError(f"the instruction is {len(instruction)} characters long; at most {MAX_INSTRUCTION_CHARS} "
                             f"fit in a plan, so shorten it or split it into several stories")
        if language not in (None, "en", "zh"):
            raise ValueError(f"language {language!r} is not supported by the template planner; use 'en' or 'zh'")
        if not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        notes: list[str] = []
        lang_in = detect_language(instruction)
        lang = language or lang_in
        said, story = parse_duration(instruction.strip())
        if duration is not None:
            try:
                target = float(duration)
            except (TypeError, ValueError):
                raise ValueError(f"duration must be a number of seconds, got {duration!r}") from None
            if not (MIN_DURATION_S <= target <= MAX_DURATION_S) or math.isnan(target):
                raise ValueError(f"duration {duration!r} s is outside {MIN_DURATION_S:g} s … {MAX_DURATION_S} s; "
                                 f"choose a length in that range")
            source_en, source_zh = "requested", "按请求"
        elif said is not None:
            target, source_en, source_zh = said, "from the instruction", "取自指令"
        else:
            target, source_en, source_zh = DEFAULT_DURATION_S, "default; the instruction names no length", "默认值；指令未给出时长"
        story = _strip_lead(story, lang_in).strip()
        if not story.strip(" .。!?！？,，"):
            raise ValueError("the instruction only gives a duration; describe what happens in the story as well")
        p = _Planner(instruction, round(target, 3), lang_in, lang, seed, notes)
        notes.append(p.t(f"Target length {target:g} s ({source_en}).", f"目标时长 {target:g} 秒（{source_zh}）。"))
        if lang != lang_in:
            notes.append(p.t("The instruction is written in Chinese; quoted lines and unrecognised clauses are kept "
                             "as written.", "指令是英文写的：引号中的台词和未能识别的分句保持原文。"))
        p.parse(story)
        p.expand_stories()
        p.fit()
        return p.build(_title(story, lang_in), seed)
