"""The sound-event vocabulary: which words name which sounds (EN + ZH), and how each sound is described.

Each row is a `Sound`. A variant is (trigger regex or None, English description, Chinese description); the
first variant whose trigger matches the clause describes the event, untriggered variants are the default and
the material for extra "beats" when a scene must be extended. "{at}" marks where a place and time phrase go in
the English description (else they are appended).
"""

from __future__ import annotations

from typing import NamedTuple

from .wording import pattern


class Sound(NamedTuple):
    key: str
    en: str  # English regex (whole words)
    zh: str  # Chinese regex
    one_shot: bool  # a single event (a door, a bark) rather than a sound that goes on (rain, a fire)
    preposition: str  # English preposition for a place phrase ("over a fishing village")
    covers: tuple[str, ...]  # keys this sound makes redundant when both are named ("storm" covers "rain")
    variants: tuple[tuple[str | None, str, str], ...]


SOUNDS: list[Sound] = [
    Sound("storm", r"storms?|thunderstorms?|tempests?|hurricanes?|typhoons?", r"暴风雨|风暴|暴雨|台风|飓风", False, "over",
     ("rain", "wind", "thunder", "whistle"), (
         (r"\bpass|\bends?\b|\bclear|\bcalm|subsid|过去|停|平息|放晴",
          "the storm passes, leaving dripping eaves and a calm breeze", "暴风雨渐渐过去，只剩屋檐滴水和微风"),
         (None, "a fierce storm howls{at}, with lashing rain and rolling thunder", "狂风呼啸，暴雨倾泻，雷声滚滚"),
         (r"gather|approach|horizon|brew|build|逼近|聚集|酝酿", "a storm gathers in the distance with low, rolling thunder",
          "远处风暴正在聚集，雷声低沉滚动"),
         (None, "storm winds roar{at} as heavy rain lashes down", "暴风怒吼，大雨猛烈地倾泻而下"),
         (None, "thunder cracks overhead as torrential rain pours down{at}", "头顶雷声炸响，暴雨倾盆而下"),
     )),
    Sound("rain", r"rain|raining|rains|rainfall|drizzle|downpour|raindrops?|monsoon", r"雨", False, "on", ("whistle",), (
        (r"\bstops?\b|\bends?\b|\bease|\bclear|停", "the rain eases to a few last drops", "雨渐渐停了，只剩零星的雨滴"),
        (r"light|gentl|soft|drizzl|patter|轻|细雨|小雨|毛毛", "a light rain patters softly{at}", "细雨轻轻地淅淅沥沥落下"),
        (r"window|glass|窗", "rain streaks and taps against the window glass", "雨点不停地敲打着窗玻璃"),
        (r"roof|屋顶|房顶|瓦", "rain drums steadily on the roof{at}", "雨点密集地敲打着屋顶"),
        (None, "heavy rain pours down{at}", "大雨倾盆而下"),
        (None, "steady rain falls{at}, splashing into puddles", "雨持续地下着，溅进水洼里"),
    )),
    Sound("thunder", r"thunder|thunderclaps?|lightning", r"雷|闪电", True, "", (), (
        (None, "thunder cracks overhead and rolls away into the distance", "头顶炸响一声惊雷，随后滚向远方"),
        (None, "a low rumble of thunder rolls across the sky", "一阵低沉的雷声滚过天空"),
    )),
    Sound("wind", r"wind|winds|windy|breeze|gusts?|gales?", r"(?<![暴台飓])风(?![暴景格俗味度险采筝车铃])|微风|狂风", False, "across",
     ("whistle",), (
         (r"breeze|gentl|soft|light|rustl|leaves|微风|轻|树叶", "a gentle breeze rustles through the leaves", "微风轻轻拂过树叶"),
         (r"howl|strong|fierce|roar|whistl|狂|呼啸|大风", "strong wind howls and whistles through the gaps",
          "狂风呼啸，从缝隙中尖啸而过"),
         (None, "wind gusts{at} and rattles loose boards", "阵风吹过，松动的木板咔咔作响"),
         (None, "a cold wind sweeps{at}", "一阵冷风呼呼地刮过"),
     )),
    Sound("waves", r"waves?|surf|sea|seas|ocean|tide|shore", r"海浪|浪花|波浪|浪涛|潮水|潮声|海面|大海|海边", False, "", ("crash",), (
        (r"gentl|\blap|calm|soft|small|\broll|轻|平静", "gentle waves lap against the shore", "海浪轻轻拍打着岸边"),
        (r"hull|boat|ship|船", "waves slap against a wooden hull", "海浪拍打着木船的船身"),
        (None, "waves crash against the rocky shore", "海浪猛烈地拍打着礁石海岸"),
        (None, "the sea surges and breaks on the rocks", "海水涌起，在岩石上碎成浪花"),
    )),
    Sound("boat", r"boats?|ships?|oars?|rowing|rows|sails|hull|ropes?|deck|mast|fog ?horns?|ship'?s horn",
          r"船|桨|甲板|缆绳|帆|雾笛", False, "", (), (
        (r"fog ?horn|ship'?s horn|雾笛|汽笛", "a foghorn sounds low across the water", "雾笛低沉地在水面上响起"),
        (r"\boars?\b|\brow|桨|划", "oars splash rhythmically as a small boat is rowed", "船桨有节奏地划着水"),
        (r"rope|haul|缆绳|绳", "ropes creak and strain on a wooden ship", "缆绳在木船上吱嘎作响、绷得紧紧的"),
        (r"\bsails?\b|帆", "sails flap and snap in the wind", "船帆在风中噼啪作响"),
        (None, "a wooden boat creaks as it rocks against the dock", "木船靠着码头摇晃，发出吱嘎声"),
        (None, "a ship's timbers groan as it rolls on the swell", "船身随着浪涌摇摆，木头吱吱作响"),
    )),
    Sound("gulls", r"gulls?|seagulls?", r"海鸥", True, "", ("birds",), (
        (None, "seagulls cry overhead", "海鸥在头顶鸣叫"),
        (None, "a flock of gulls squawks above the water", "一群海鸥在水面上方尖叫"),
    )),
    Sound("fire", r"fire|fires|fireplace|campfire|bonfire|hearth|flames?|embers|firewood|crackling|crackles",
     r"篝火|炉火|壁炉|火堆|火焰|火光|柴火|(?<![烟焰发上恼着怒])火(?![车箭山星锅气腿])", False, "", (), (
         (r"camp|bonfire|篝火", "a campfire crackles and pops{at}", "篝火噼啪作响，火星四溅"),
         (None, "a wood fire crackles and pops in the hearth", "炉火噼啪作响"),
         (None, "flames flicker and a log settles with a soft crack", "火苗跳动，一根木柴轻轻塌落"),
     )),
    Sound("footsteps", r"footsteps?|steps|walks?|walking|walked|runs|running|ran|hurr(?:y|ies|ied)|paces|stomps|tiptoes?|"
                  r"approach(?:es)?", r"脚步|走(?![廊道])|跑(?![道车])|踱步|踮脚", True, "", (), (
        (r"\brun|\bran\b|hurr|rush|跑|匆匆|急", "hurried footsteps run past", "急促的脚步声匆匆跑过"),
        (r"snow|雪", "boots crunch through deep snow", "靴子踩在厚厚的积雪上嘎吱作响"),
        (r"leaves|leaf|树叶|落叶", "footsteps crunch through dry leaves", "脚步踩过干枯的落叶沙沙作响"),
        (r"wood|floor|stair|地板|楼梯", "footsteps creak across wooden floorboards", "脚步踩在木地板上吱吱作响"),
        (None, "slow footsteps crunch across gravel", "缓慢的脚步声踩过碎石路"),
        (None, "footsteps approach steadily", "脚步声渐渐靠近"),
    )),
    Sound("door", r"doors?|gates?|doorbell", r"(?<![嗓部专热入])门(?![口诊])", True, "", (), (
        (r"knock|敲", "someone knocks firmly on a wooden door", "有人用力敲着木门"),
        (r"slam|bang|砰|摔|关上", "a door slams shut with a heavy bang", "门砰的一声重重关上"),
        (r"creak|open|吱|打开|推开", "a wooden door creaks slowly open", "木门吱呀一声慢慢打开"),
        (r"bell|门铃", "a doorbell rings twice", "门铃响了两声"),
        (None, "a door opens and closes with a click", "门开了又关上，咔哒一声"),
    )),
    Sound("dog", r"dogs?|barks?|barking|pupp(?:y|ies)|hounds?", r"狗|犬|汪汪", True, "", (), (
        (None, "a dog barks loudly nearby", "附近一只狗大声吠叫"),
        (None, "a dog barks twice in the distance", "远处传来两声狗叫"),
    )),
    Sound("cat", r"cats?|meows?|kittens?|purrs?|purring", r"猫(?!头鹰)|喵", True, "", (), (
        (r"purr|呼噜", "a cat purrs contentedly", "一只猫满足地打着呼噜"),
        (None, "a cat meows softly", "一只猫轻轻地喵喵叫"),
    )),
    Sound("woodpecker", r"woodpeckers?", r"啄木鸟", True, "", ("birds", "drums"), (
        (None, "a woodpecker taps rapidly on a tree trunk", "啄木鸟在树干上快速地笃笃啄着"),
    )),
    Sound("rooster", r"roosters?|cock-a-doodle", r"公鸡|鸡鸣|鸡叫|打鸣", True, "", ("crow", "birds"), (
        (None, "a rooster crows at dawn", "一只公鸡在清晨打鸣"),
    )),
    Sound("crow", r"crows|ravens?|caws?", r"乌鸦", True, "", ("birds",), (
        (None, "a crow caws from a bare branch", "一只乌鸦在枯枝上呱呱叫"),
    )),
    Sound("owl", r"owls?|hoots?|hooting", r"猫头鹰", True, "", ("birds",), (
        (None, "an owl hoots softly in the dark", "一只猫头鹰在黑暗中轻声鸣叫"),
        (None, "a distant owl calls twice", "远处一只猫头鹰叫了两声"),
    )),
    Sound("birds", r"birds?|birdsong|sparrows?|songbirds?|robins?|blackbirds?", r"鸟|啁啾|叽叽喳喳", False, "", (), (
        (r"dawn|morning|wake|sunrise|清晨|早|黎明", "a dawn chorus of birds chirps and sings", "清晨的鸟儿叽叽喳喳地歌唱"),
        (None, "birds chirp and sing in the trees", "鸟儿在树上鸣唱"),
        (None, "a songbird trills a bright melody", "一只鸣禽婉转地啼叫"),
    )),
    Sound("wolf", r"wol(?:f|ves)", r"狼(?![狈吞])", True, "", (), (
        (None, "wolves howl in the distance", "远处传来狼嚎"),
    )),
    Sound("insects", r"crickets?|insects?|cicadas?", r"蟋蟀|虫鸣|虫子|蝉|知了|蛐蛐", False, "", (), (
        (r"cicada|蝉|知了", "cicadas buzz loudly in the summer heat", "夏日里蝉声聒噪"),
        (None, "crickets chirp steadily in the grass", "蟋蟀在草丛中不停地鸣叫"),
    )),
    Sound("bees", r"bees?|buzz(?:es|ing)?|flies|mosquito(?:es)?", r"蜜蜂|苍蝇|蚊子", False, "", (), (
        (None, "bees buzz around the flowers", "蜜蜂在花丛间嗡嗡飞舞"),
    )),
    Sound("frog", r"(?:bull)?frogs?|toads?|croak\w*", r"青蛙|蛙", False, "", (), (
        (None, "frogs croak by the pond", "池塘边青蛙呱呱地叫"),
    )),
    Sound("stream", r"streams?|brooks?|creeks?|rivers?|babbl\w*|waterfalls?", r"溪|河(?!畔|边)|瀑布|流水", False, "", (), (
        (r"waterfall|瀑布", "a waterfall roars and splashes onto rocks", "瀑布轰鸣着冲向岩石"),
        (r"river|河", "a river flows steadily past", "河水平稳地流过"),
        (None, "a stream babbles over smooth stones", "溪水潺潺流过光滑的石头"),
    )),
    Sound("horse", r"horses?|hooves|hoofbeats|gallop(?:s|ing)?|neigh(?:s|ing)?|whinn\w*",
     r"马蹄|骏马|马儿|马车|骑马|奔马|战马|马嘶|一匹马|马群|赛马|策马", True, "", (), (
         (r"neigh|whinn|嘶", "a horse neighs and snorts", "一匹马嘶鸣着打着响鼻"),
         (r"cart|carriage|马车", "a horse-drawn cart rattles down a cobbled road", "马车在石板路上咔哒作响"),
         (None, "horse hooves gallop across hard ground", "马蹄在坚硬的地面上疾驰"),
     )),
    Sound("donkey", r"donkeys?|mules?|brays?", r"驴", True, "", (), (
        (None, "a donkey brays loudly", "一头驴大声地叫着"),
    )),
    Sound("farm", r"cows?|moo|sheep|lambs?|goats?|bleat\w*", r"牛(?!奶)|羊", True, "", (), (
        (r"sheep|lamb|goat|bleat|羊", "sheep bleat in a field", "羊群在田野里咩咩叫"),
        (None, "cows moo in a nearby field", "附近田野里牛哞哞地叫"),
    )),
    Sound("beast", r"lions?|tigers?|bears?|monsters?", r"狮|老虎|虎啸|熊(?!猫)|怪兽|怪物", True, "", (), (
        (r"monster|怪", "a monster growls deep and low", "怪物发出低沉的咆哮"),
        (None, "a lion roars powerfully", "一头狮子发出雄浑的吼声"),
    )),
    Sound("dragon", r"dragons?", r"龙(?!卷)", True, "", (), (
        (None, "a dragon roars and beats its huge wings", "巨龙咆哮着扇动巨大的翅膀"),
    )),
    Sound("car", r"cars?|traffic|engines?|trucks?|honks?|honking|horns?|motorcycles?|motorbikes?|taxis?|tyres|tires|brakes",
     r"汽车|轿车|卡车|车流|喇叭|鸣笛|引擎|发动机|摩托|出租车|刹车", True, "", (), (
         (r"honk|horn|喇叭|鸣笛", "cars honk in heavy traffic", "车流中汽车喇叭声此起彼伏"),
         (r"brake|screech|刹车", "tyres screech as a car brakes hard", "汽车急刹，轮胎发出刺耳的尖叫"),
         (r"truck|卡车", "a truck rumbles past", "一辆卡车隆隆驶过"),
         (None, "a car engine starts and drives away", "汽车发动引擎后驶离"),
         (None, "traffic hums steadily", "车流声持续不断"),
     )),
    Sound("bus", r"bus|buses", r"公交|公共汽车|巴士|大巴", True, "", ("car", "door"), (
        (None, "a bus pulls up with a hiss of air brakes and its doors fold open", "公交车进站，气刹嘶的一声，车门打开"),
    )),
    Sound("train", r"trains?|railway|locomotives?|tracks|rails", r"火车|列车|铁轨|地铁|高铁", False, "", ("car", "whistle"), (
        (r"whistle|汽笛|鸣笛", "a steam train whistle blows as the engine chugs", "蒸汽火车拉响汽笛，车头突突作响"),
        (r"wheel|clatter|tracks|车轮|哐当", "train wheels clatter rhythmically over the tracks", "火车车轮有节奏地哐当哐当驶过铁轨"),
        (None, "a train rumbles past on the tracks", "一列火车在铁轨上隆隆驶过"),
    )),
    Sound("plane", r"(?:air)?planes?|jets?|helicopters?|aircraft", r"飞机|直升机|喷气", True, "", (), (
        (r"helicopter|直升机", "a helicopter's rotors thump overhead", "直升机旋翼在头顶嗡嗡作响"),
        (None, "a jet plane roars overhead", "一架喷气式飞机从头顶轰鸣而过"),
    )),
    Sound("rocket", r"rockets?|spacecraft|spaceships?|launch\w*|lift-?off|thrusters?", r"火箭|飞船|发射|推进器", False, "",
     ("car",), (
         (r"launch|ignit|lift|发射|点火", "rocket engines ignite with a deafening roar and the ground shakes",
          "火箭引擎点火，发出震耳欲聋的轰鸣，大地震颤"),
         (r"climb|sky|rise|升空|天空", "the rocket's roar fades as it climbs into the sky", "火箭的轰鸣声随着升空渐渐远去"),
         (None, "a spaceship engine hums and powers up", "飞船引擎嗡嗡启动"),
     )),
    Sound("siren", r"sirens?|ambulances?|police cars?|fire engines?", r"警笛|救护车|警车|消防车", True, "", ("car",), (
        (None, "a siren wails as it speeds past", "警笛呼啸着疾驰而过"),
    )),
    Sound("bell", r"bells?|chimes?|jingles?|tolls?", r"钟声|铃声|铃铛|敲钟|风铃|钟响|叮当|叮铃|驼铃", True, "", (), (
        (r"church|toll|教堂|敲钟", "a church bell tolls slowly", "教堂的钟声缓缓敲响"),
        (r"camel|驼", "camel bells clonk slowly with each step", "驼铃随着脚步缓缓叮当作响"),
        (r"jingle|sleigh|叮当|铃铛", "small bells jingle brightly", "小铃铛清脆地叮当作响"),
        (r"wind chime|风铃", "wind chimes tinkle in the breeze", "风铃在微风中叮叮作响"),
        (None, "a bell rings clearly", "一声清脆的铃响"),
    )),
    Sound("clock", r"clocks?|ticking|tick-tock|ticks|strikes (?:midnight|twelve|one|two|three|noon)", r"时钟|钟表|挂钟|座钟|滴答",
     True, "", ("bell",), (
         (r"strik|chime|midnight|twelve|敲响|报时|午夜|十二下", "a grandfather clock strikes twelve with deep chimes",
          "老式座钟敲响十二下，钟声低沉"),
         (None, "a clock ticks steadily in a quiet room", "安静的房间里时钟滴答作响"),
     )),
    Sound("crowd", r"crowds?|chatter\w*|audiences?|vendors?|passers-?by|bustl\w*|murmur of voices",
     r"人群|人声|喧闹|嘈杂|热闹|小贩|叫卖|行人", False, "", (), (
         (r"shout|vendor|call|叫卖|小贩", "market vendors call out over a bustling crowd", "小贩的叫卖声在熙熙攘攘的人群中此起彼伏"),
         (None, "a crowd murmurs and chatters", "人群低声交谈，嘈杂一片"),
     )),
    Sound("applause", r"applau\w*|clapping|claps|cheers|cheering", r"掌声|鼓掌|欢呼", True, "", (), (
        (None, "an audience bursts into applause and cheering", "观众爆发出热烈的掌声和欢呼"),
    )),
    Sound("chicken", r"chickens?|hens?|cluck\w*", r"母鸡|小鸡|(?<![公火])鸡(?![蛋肉汤翅腿])|咯咯哒", False, "", (), (
        (None, "hens cluck and scratch about the yard", "母鸡在院子里咯咯地叫着刨食"),
    )),
    Sound("laugh", r"laugh(?:s|ing|ter|ed)?|giggl\w*", r"笑声|大笑|哈哈|咯咯(?:地)?笑", True, "", (), (
        (r"child|kid|孩子|咯咯", "children giggle happily", "孩子们咯咯地笑"),
        (None, "people laugh warmly together", "人们一起开心地大笑"),
    )),
    Sound("baby", r"bab(?:y|ies)|infants?", r"婴儿|宝宝", True, "", ("laugh",), (
        (r"laugh|giggl|笑", "a baby giggles", "婴儿咯咯地笑"),
        (r"sleep|lull|睡", "a baby coos sleepily", "婴儿困倦地咿呀着"),
        (None, "a baby cries", "婴儿哇哇大哭"),
    )),
    Sound("cough", r"cough(?:s|ing|ed)?|sneez\w*|clears? (?:his|her|their) throat", r"咳嗽|喷嚏|清了清嗓子", True, "", (), (
        (None, "someone coughs quietly", "有人轻轻咳嗽了一声"),
    )),
    Sound("breath", r"breath(?:es|ing)?|pants|panting|gasps?", r"呼吸|喘气|喘息", True, "", (), (
        (None, "heavy, ragged breathing", "沉重而急促的呼吸声"),
    )),
    Sound("heartbeat", r"heart ?beats?|heart pound\w*|pulse", r"心跳", True, "", (), (
        (None, "a heartbeat thumps slowly", "心脏缓慢地怦怦跳动"),
    )),
    Sound("snore", r"snor\w+|asleep|sleeps|sleeping", r"打呼|鼾|睡着", True, "", (), (
        (None, "someone snores softly", "有人轻声打着鼾"),
    )),
    Sound("glass", r"glass(?:es)?|shatter\w*|smash\w*", r"玻璃|打碎|碎裂", True, "", (), (
        (r"clink|toast|碰杯", "glasses clink in a toast", "玻璃杯碰在一起叮当作响"),
        (None, "glass shatters on a hard floor", "玻璃在坚硬的地面上摔得粉碎"),
    )),
    Sound("dishes", r"cups?|mugs?|plates?|dishes|cutlery|spoons?|saucers?|teapots?|clinks?|clinking",
     r"杯子|茶杯|碗|盘子|碟|餐具|勺子|倒茶|碰杯", True, "", ("glass",), (
         (r"pour|tea|coffee|倒", "tea is poured into a porcelain cup", "茶水倒进瓷杯里"),
         (None, "cups and dishes clink on a table", "杯碗碟盘在桌上叮当作响"),
     )),
    Sound("cooking", r"cook(?:s|ing)?|sizzl\w*|fr(?:y|ies|ying)|pans?|bacon|chopp\w*|knife", r"炒|煎|滋滋|锅|切菜|菜刀", True, "", (), (
        (r"chop|knife|切", "a knife chops vegetables on a wooden board", "菜刀在木砧板上切菜，笃笃作响"),
        (None, "food sizzles in a hot pan", "热锅里的食物滋滋作响"),
    )),
    Sound("kettle", r"kettles?|boil(?:s|ing)?", r"水壶|烧水|水开|壶", True, "", ("whistle",), (
        (None, "a kettle comes to the boil and whistles", "水壶烧开，发出尖锐的鸣叫"),
    )),
    Sound("children", r"children|kids|playground", r"孩子们|小孩们|儿童|小朋友们|嬉戏", False, "", ("laugh",), (
        (None, "children laugh and play{at}", "孩子们欢笑着嬉戏打闹"),
    )),
    Sound("snow", r"snow\w*|blizzards?|sleet|hail", r"雪|冰雹", False, "across", (), (
        (r"crunch|step|walk|踩", "boots crunch through deep snow", "靴子踩在厚厚的积雪上嘎吱作响"),
        (r"blizzard|暴风雪", "a blizzard howls, driving snow sideways", "暴风雪呼啸，雪花横飞"),
        (None, "a cold wind carries soft snowfall{at}", "寒风卷着细雪轻轻飘落"),
    )),
    Sound("leaves", r"(?:the|dry|fallen|autumn|green|dead|of|through|in|on) leaves|leaf|branch(?:es)?|twigs?|rustl\w*|"
               r"undergrowth|bushes", r"树叶|落叶|树枝|沙沙|灌木", False, "", (), (
        (r"snap|break|crack|折断|咔", "a twig snaps underfoot", "脚下一根树枝咔嚓折断"),
        (None, "leaves rustle in the breeze", "树叶在风中沙沙作响"),
        (None, "dry leaves skitter along the ground", "干枯的树叶在地上沙沙滚动"),
    )),
    Sound("floor", r"floorboards?|staircase|stairs|creaky floor", r"地板|楼梯", True, "", (), (
        (r"stair|楼梯", "old stairs creak under slow footsteps", "老旧的楼梯在缓慢的脚步下吱吱作响"),
        (None, "old floorboards creak under a slow weight", "老旧的地板在缓慢的重压下吱吱作响"),
    )),
    Sound("water", r"drips?|dripping|droplets?|faucets?|puddles?|splash\w*|swim\w*|dives?", r"滴水|水滴|水龙头|水花|游泳|跳进水|溅",
     True, "", (), (
         (r"splash|swim|dive|水花|游泳|跳进|溅", "someone splashes into the water", "有人扑通一声跳进水里，水花四溅"),
         (None, "water drips slowly and echoes", "水一滴一滴缓慢落下，发出回声"),
     )),
    Sound("explosion", r"explo\w+|blasts?|bombs?|booms?|cannons?", r"爆炸|炸开|炮", True, "", (), (
        (r"cannon|炮", "cannons fire with thunderous booms", "大炮轰鸣，震耳欲聋"),
        (None, "a loud explosion booms and debris rains down", "一声巨响爆炸，碎片纷纷落下"),
    )),
    Sound("gun", r"gunshots?|guns?|gunfire|shots?|rifles?|pistols?", r"枪", True, "", (), (
        (None, "gunshots ring out and echo", "枪声响起，回声不断"),
    )),
    Sound("sword", r"swords?|blades?|clash(?:es|ing)?|duels?", r"剑|兵器", True, "", (), (
        (None, "swords clash with ringing metal", "刀剑相交，金属铿锵作响"),
    )),
    Sound("drums", r"(?<!rain )(?<!hail )(?<!pecker )(?<!fingers )\bdrums?|drumming|drumbeats?", r"战鼓|鼓声|鼓(?![掌励])", False, "",
     (), (
         (r"war|battle|arm(?:y|ies)|战", "war drums pound a steady rhythm", "战鼓隆隆，节奏沉稳"),
         (None, "drums beat a steady rhythm", "鼓点敲出稳定的节奏"),
     )),
    Sound("machine", r"machines?|machinery|factory|drills?|hammers?|saws?|hums?|humming|whirr?\w*|beeps?|beeping|computers?|"
                     r"air[- ]?con\w*|air conditioners?|ac units?",
     r"机器(?!人)|工厂|电钻|锤|锯|哔哔|电脑|空调", False, "", (), (
         (r"air|空调", "an air conditioner hums steadily", "空调平稳地嗡嗡作响"),
         (r"\bhums?\b|humming|whir|嗡", "machines hum and whir steadily", "机器平稳地嗡嗡运转"),
         (r"beep|哔", "electronic beeps chirp from a console", "控制台发出电子哔哔声"),
         (r"hammer|锤", "a hammer strikes metal repeatedly", "锤子反复敲击金属"),
         (r"\bsaws?\b|锯", "a saw cuts through wood", "锯子来回锯着木头"),
         (None, "machines hum and whir steadily", "机器平稳地嗡嗡运转"),
     )),
    Sound("robot", r"robots?|servos?", r"机器人", True, "", (), (
        (r"beep|chirp|哔", "a small robot beeps and chirps", "一个小机器人哔哔作响"),
        (None, "a robot's servos whir as it moves", "机器人的伺服电机随着动作嗡嗡作响"),
    )),
    Sound("phone", r"(?:tele|cell)?phones?|ringtones?", r"电话|手机", True, "", ("bell",), (
        (None, "a telephone rings", "电话铃声响起"),
    )),
    Sound("typing", r"typ(?:es|ing)|keyboards?|typewriters?", r"键盘|打字", True, "", (), (
        (r"typewriter|打字机", "a typewriter clacks and dings", "打字机咔嗒作响，叮的一声换行"),
        (None, "fingers type quickly on a keyboard", "手指在键盘上飞快地敲击"),
    )),
    Sound("writing", r"pens?|pencils?|writes|writing|scribbl\w*", r"写字|钢笔|铅笔|笔尖|书写", True, "", (), (
        (None, "a pen scratches across paper", "笔尖在纸上沙沙书写"),
    )),
    Sound("pages", r"pages?|books?|newspapers?", r"翻书|书页|翻页|报纸", True, "", (), (
        (None, "pages of a book turn softly", "书页被轻轻翻动"),
    )),
    Sound("keys", r"keys|locks?|unlocks?|padlocks?", r"钥匙|锁", True, "", (), (
        (None, "keys jingle and a lock clicks open", "钥匙叮当作响，锁咔哒一声打开"),
    )),
    Sound("coins", r"coins?|money|cash registers?", r"硬币|钱币|收银", True, "", ("bell",), (
        (None, "coins jingle in a leather pouch", "皮钱袋里的硬币叮当作响"),
    )),
    Sound("fireworks", r"fireworks?|firecrackers?", r"烟花|鞭炮|爆竹|烟火", True, "", ("explosion", "fire"), (
        (None, "fireworks whistle up and burst with loud cracks", "烟花呼啸升空，噼啪炸开"),
    )),
    Sound("alarm", r"alarms?", r"闹钟|警报", True, "", ("clock",), (
        (r"clock|闹钟", "an alarm clock rings loudly", "闹钟响个不停"),
        (None, "an alarm blares urgently", "警报急促地鸣响"),
    )),
    Sound("quake", r"earthquakes?|tremors?|the ground shakes", r"地震|地面震动|大地震颤", True, "", (), (
        (None, "the ground rumbles and shakes as an earthquake hits", "大地隆隆作响，剧烈摇晃"),
    )),
    Sound("crash", r"collaps\w*|thuds?|topples?|crash(?:es|ed)? (?:down|to the ground)", r"倒塌|坍塌|轰然倒下", True, "", (), (
        (None, "something heavy crashes to the ground with a thud", "重物轰然倒地，发出沉闷的声响"),
    )),
    Sound("magic", r"magic(?:al)?|spells?|sparkl\w*|wands?|enchant\w*", r"魔法|咒语|魔杖", True, "", (), (
        (None, "a shimmering magical chime sparkles and swells", "魔法的光芒闪烁，伴随着清脆的叮咚声"),
    )),
    Sound("whistle", r"whistl(?:es?|ing)", r"口哨|哨声|吹哨", True, "", (), (
        (None, "someone whistles a short tune", "有人吹起一段短短的口哨"),
    )),
    Sound("bicycle", r"bicycles?|bikes?|cyclists?", r"自行车|单车", True, "", ("bell",), (
        (None, "a bicycle bell rings as wheels whir past", "自行车铃叮铃一响，车轮飞驰而过"),
    )),
]
SOUND_BY_KEY = {s.key: s for s in SOUNDS}

# Sounds a human makes: when the clause names who makes it, the clause itself is the better caption.
HUMAN_SOUNDS = {"laugh", "cough", "breath", "snore", "whistle"}
# One-shot sounds that recur naturally, so long scenes may repeat them as beats.
RECURRING = {"thunder", "gulls", "dog", "owl", "crow", "wolf", "horse", "donkey", "farm", "sword", "gun", "explosion",
             "car", "bell", "laugh", "applause", "footsteps", "drums", "water", "woodpecker", "cat", "beast", "dragon",
             "plane", "siren", "dishes", "cooking", "pages", "typing", "writing", "coins", "floor"}
# Animals that "sing": "birds sing" is birdsong, not music.
ANIMALS = {"gulls", "dog", "cat", "woodpecker", "rooster", "crow", "owl", "birds", "wolf", "insects", "bees", "frog",
           "horse", "donkey", "farm", "beast", "dragon"}


def sound_hits(clause: str, language: str) -> list[tuple[str, int]]:
    """Sound keys named in a clause, in order of appearance, with redundant ones removed."""
    hits: dict[str, int] = {}
    for sound in SOUNDS:
        m = pattern(sound.en, sound.zh, language).search(clause)
        if m:
            hits[sound.key] = m.start()
    covered = {k for key in hits for k in SOUND_BY_KEY[key].covers}
    return sorted(((k, p) for k, p in hits.items() if k not in covered), key=lambda t: t[1])
