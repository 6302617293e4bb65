"""Where and when the story happens: settings (places) and times of day in EN + ZH, the scenes clauses
fall into, and each scene's ambience bed.

Clauses that share a place, time of day and weather form a scene; a new place, time or weather starts the
next one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from .draft import Draft, Scene
from .sound_words import SOUND_BY_KEY, sound_hits
from .wording import as_sentence, earliest


@dataclass(frozen=True)
class Setting:
    key: str
    en: str  # English regex
    zh: str  # Chinese regex
    indoor: bool
    bed: tuple[str, str]  # ambience caption by day (en, zh)
    night: tuple[str, str] | None  # by night, when it differs
    beats: tuple[tuple[str, str], ...]  # extra sound beats for long stories
    en_phrase: str  # short place phrase for captions ("by the sea")
    zh_phrase: str


SETTINGS: list[Setting] = [
    Setting("coast", r"fishing village|harbou?rs?|ports?|coast(?:al)?|seaside|beach(?:es)?|shore|islands?|lighthouses?|bay",
             r"渔村|海边|海岸|港口|码头|海滩|沙滩|海岛|灯塔|海湾", False,
             ("waves washing on the shore with distant gulls", "海浪冲刷着海岸，远处海鸥鸣叫"),
             ("waves washing on the shore in the dark", "夜色中海浪冲刷着海岸"),
             (("distant waves boom against the harbour wall", "远处的海浪拍打着港口堤岸"),
              ("a buoy bell clangs slowly out on the water", "海面上浮标的铃铛缓缓作响"),
              ("a gust of salty wind rattles a loose shutter", "一阵带着咸味的海风吹得松动的百叶窗咔咔作响")),
             "by the sea", "海边"),
    Setting("sea", r"at sea|open sea|ocean|on deck|aboard|sailing|voyage|ship|deck", r"海上|甲板|船上|航行", False,
             ("open sea swell with wind in the rigging", "海上的涌浪声与索具间的风声"), None,
             (("the ship's hull groans on a long swell", "船身在长长的涌浪中嘎吱作响"),
              ("rigging rattles in the wind", "索具在风中哗啦作响"),
              ("a wave breaks over the bow with a heavy splash", "一个浪头打上船头，水花四溅")),
             "at sea", "海上"),
    Setting("forest", r"(?:rain ?)?forests?|woods|woodland|jungle", r"森林|树林|丛林|雨林", False,
             ("birdsong and rustling leaves in a forest", "森林里鸟鸣声和树叶沙沙声"),
             ("crickets and a soft breeze in a dark forest", "夜晚的森林里虫鸣阵阵，微风轻拂"),
             (("a branch snaps somewhere in the undergrowth", "灌木丛中某处一根树枝咔嚓折断"),
              ("a small animal scurries through dry leaves", "一只小动物窜过干燥的落叶"),
              ("a distant bird calls across the trees", "远处一只鸟的叫声穿过树林")),
             "in the forest", "森林里"),
    Setting("lab", r"lab|laboratory|laboratories|control room|mission control|launch control", r"实验室|控制室|指挥中心|发射控制",
             True,
             ("low hum of lab equipment with soft beeps", "实验室设备低沉的嗡嗡声和轻微的哔哔声"), None,
             (("a cooling fan whirs up and settles", "散热风扇呼呼转起又慢慢平息"),
              ("a console beeps three times", "控制台哔哔响了三声")),
             "in the lab", "实验室里"),
    Setting("space", r"space ?station|in space|orbit|cockpit|spacecraft|spaceship|\bISS\b", r"太空|空间站|轨道|驾驶舱|飞船|宇宙飞船", True,
             ("low hum of a spaceship interior", "飞船舱内低沉的嗡嗡声"), None,
             (("air vents hiss softly", "通风口轻轻嘶嘶作响"), ("a hatch seals with a hydraulic hiss", "舱门伴着液压声密封关闭")),
             "aboard the ship", "飞船里"),
    Setting("train", r"on (?:a|the) train|train carriages?|carriages?|compartments?|tracks|railway", r"车厢|火车上|列车上|铁轨",
             True, ("the steady rumble and sway of a train carriage", "火车车厢平稳的隆隆声与摇晃"), None,
             (("wheels clatter over a rail joint", "车轮碾过铁轨接缝哐当作响"), ("the carriage sways and creaks", "车厢摇晃着吱吱作响"),
              ("a distant train horn sounds", "远处传来火车汽笛声")),
             "on the train", "车厢里"),
    Setting("station", r"(?:train |bus )?stations?|platforms?|airports?|terminals?", r"车站|站台|机场|候车", True,
             ("echoing station hall with distant footsteps and voices", "车站大厅里回荡的脚步声与远处的人声"), None,
             (("a departure announcement chimes in the hall", "大厅里响起发车提示音"),
              ("suitcase wheels roll across the floor", "行李箱轮子在地面上滚过")),
             "at the station", "车站里"),
    Setting("cafe", r"caf[eé]s?|coffee shops?|restaurants?|\bbar\b|pubs?|taverns?|diners?|canteens?",
             r"咖啡馆|咖啡厅|餐厅|饭馆|酒吧|酒馆|茶馆", True,
             ("a busy cafe murmur with clinking cups", "咖啡馆里低声交谈，杯碟轻碰"), None,
             (("an espresso machine hisses and gurgles", "咖啡机嘶嘶作响"), ("cups clink on saucers", "杯子轻碰碟子"),
              ("a chair scrapes across the floor", "椅子在地板上拖动")),
             "in the cafe", "咖啡馆里"),
    Setting("library", r"librar(?:y|ies)|reading room", r"图书馆|阅览室", True,
             ("a hushed library with faint page turns", "安静的图书馆里传来轻微的翻书声"), None,
             (("a chair creaks softly", "一把椅子轻轻吱了一声"), ("someone sets a book down on a table", "有人把书轻轻放在桌上")),
             "in the library", "图书馆里"),
    Setting("kitchen", r"kitchens?", r"厨房", True,
             ("a warm kitchen with a humming fridge", "温暖的厨房里冰箱低声嗡嗡作响"), None,
             (("a pot lid rattles as water simmers", "锅盖随着水沸腾咔咔作响"), ("a spoon clinks against a bowl", "勺子碰着碗叮当作响")),
             "in the kitchen", "厨房里"),
    Setting("market", r"markets?|bazaars?|stalls?|\bfair\b", r"集市|市场|菜市场|庙会|市集", False,
             ("busy market chatter with distant calls", "热闹的集市人声鼎沸"), None,
             (("a vendor calls out prices", "小贩高声叫卖"), ("a cart rattles over cobblestones", "推车在石子路上咔哒作响")),
             "at the market", "集市上"),
    Setting("city", r"cit(?:y|ies)|streets?|towns?|downtown|avenues?|rush hour|sidewalks?|(?:bus|tram) stops?|"
                     r"crossroads|street corners?|squares?", r"城市|街道|街上|街头|市中心|马路|早高峰|城里",
             False, ("distant city traffic and passers-by", "远处城市的车流声和行人声"),
             ("quiet city streets with distant traffic", "夜晚安静的街道，远处偶有车声"),
             (("a car horn honks in the distance", "远处传来一声汽车喇叭"), ("a bus rumbles past", "一辆公交车隆隆驶过"),
              ("footsteps and snippets of conversation pass by", "脚步声和零星的交谈声从身边经过")),
             "in the city", "城市里"),
    Setting("battle", r"battlefields?|battles?|\bwar\b|armies|army", r"战场|战斗|战争|军队", False,
             ("distant battle rumble and shouting", "远处战场的轰鸣与呐喊"), None,
             (("distant cannons rumble", "远处大炮轰鸣"), ("armour clanks as soldiers march", "士兵行进，盔甲铿锵")),
             "on the battlefield", "战场上"),
    Setting("cave", r"caves?|caverns?|tunnels?|mines?|dungeons?", r"山洞|洞穴|隧道|矿井|地牢", True,
             ("dripping water echoing in a cave", "山洞里滴水的回声"), None,
             (("water drips and echoes off stone", "水滴落在石头上，回声荡漾"), ("pebbles tumble down a rocky slope", "碎石从岩坡上滚落")),
             "in the cave", "山洞里"),
    Setting("church", r"church(?:es)?(?! bells?)|cathedrals?(?! bells?)|temples?(?! bells?)|chapels?|monaster(?:y|ies)", r"教堂|寺庙|庙里|修道院", True,
             ("a reverberant, hushed church hall", "空旷肃穆、带混响的教堂大厅"), None,
             (("a distant bell tolls once", "远处的钟声敲响一下"), ("a candle flickers as a door sighs shut", "一扇门轻轻关上，烛火摇曳")),
             "in the church", "教堂里"),
    Setting("hospital", r"hospitals?|wards?|clinics?", r"医院|病房|诊所", True,
             ("a quiet hospital corridor with beeping monitors", "安静的医院走廊里监护仪哔哔作响"), None,
             (("a trolley rolls past", "推车从走廊经过"), ("a monitor beeps steadily", "监护仪平稳地哔哔作响")),
             "in the hospital", "医院里"),
    Setting("museum", r"museums?|galler(?:y|ies)|exhibition halls?", r"博物馆|美术馆|展厅|展馆", True,
             ("a hushed, echoing gallery with distant footsteps", "安静空旷的展厅，远处传来脚步声"), None,
             (("footsteps echo slowly across the hall", "脚步声在展厅里缓缓回荡"),
              ("a visitor whispers somewhere behind", "身后某处有参观者低声细语")),
             "in the museum", "博物馆里"),
    Setting("elevator", r"elevators?|\blifts?\b", r"电梯", True,
             ("the steady hum of an elevator car", "电梯轿厢平稳的嗡嗡声"), None,
             (("the elevator cables creak softly", "电梯钢缆轻轻吱嘎作响"),), "in the elevator", "电梯里"),
    Setting("office", r"offices?|cubicles?|meeting rooms?|conference rooms?", r"办公室|写字楼|会议室", True,
             ("a quiet office with air conditioning hum and distant typing", "安静的办公室，空调低鸣，远处有打字声"), None,
             (("a phone rings once in the next room", "隔壁房间的电话响了一声"), ("keyboards clatter nearby", "附近键盘噼啪作响"),
              ("a printer whirs", "打印机嗡嗡运转")),
             "in the office", "办公室里"),
    Setting("school", r"classrooms?|schools?|lecture halls?|lecterns?|podiums?", r"教室|学校|课堂|讲台|讲堂", True,
             ("a classroom murmur with chairs shifting", "教室里低低的说话声和挪动椅子的声音"), None,
             (("chalk taps on a blackboard", "粉笔在黑板上嗒嗒作响"), ("pages turn across the room", "教室里翻书声此起彼伏")),
             "in the classroom", "教室里"),
    Setting("shop", r"shops?|stores?|supermarkets?|bakery|bakeries|boutiques?|pharmac(?:y|ies)", r"商店|超市|面包店|店里|药店",
             True, ("a shop interior with soft background music and a door chime", "店里轻柔的背景音乐与门铃声"), None,
             (("a till drawer opens with a ding", "收银台抽屉叮的一声打开"), ("a shopping trolley rattles past", "购物车哗啦啦推过")),
             "in the shop", "店里"),
    Setting("car", r"(?:in|inside|into) (?:a|the|my|his|her|our|their) (?:car|taxi|cab|truck|van)|back seat|driving",
             r"车里|汽车里|出租车里|车内|轿车里", True,
             ("the muffled road rumble inside a moving car", "行驶中的车内沉闷的路噪"), None,
             (("the indicator ticks", "转向灯嗒嗒作响"), ("tyres hiss over a wet road", "轮胎碾过湿路面嘶嘶作响")),
             "in the car", "车里"),
    Setting("bus", r"(?:on|in|aboard) (?:a|the) (?:bus|tram|subway|metro|underground)|bus ride|subway car|metro carriage",
             r"公交车上|公交车里|巴士上|地铁里|地铁上|车厢里", True,
             ("the rumble of a moving bus with passengers murmuring", "行驶中的车厢隆隆作响，乘客低声交谈"), None,
             (("the doors hiss open and shut", "车门嘶的一声打开又关上"), ("a stop announcement chimes", "到站提示音响起")),
             "on the bus", "车上"),
    Setting("plane", r"planes?|airplanes?|aeroplanes?|aircraft|flights?|cabin crew", r"飞机|机舱|航班", True,
             ("the steady roar of an aircraft cabin", "机舱内持续的轰鸣声"), None,
             (("a seatbelt sign chimes", "安全带指示灯叮的一声"),), "on the plane", "飞机上"),
    Setting("theatre", r"theat(?:re|er)s?|cinemas?|concert halls?|auditorium|opera house|stage", r"剧院|电影院|音乐厅|礼堂|舞台",
             True, ("a large hall with a hushed audience murmur", "大厅里观众低声交谈"), None,
             (("someone coughs in the audience", "观众席里有人咳嗽"), ("seats creak as people settle", "座椅吱呀作响，观众落座")),
             "in the theatre", "剧院里"),
    Setting("bathroom", r"bathrooms?|showers?|washrooms?|toilets?", r"浴室|卫生间|洗手间", True,
             ("a small tiled bathroom with a dripping tap", "贴着瓷砖的小浴室里水龙头滴着水"), None,
             (("a tap drips into the sink", "水龙头往水槽里滴水"),), "in the bathroom", "浴室里"),
    Setting("workshop", r"garages?|workshops?|factor(?:y|ies)|warehouses?", r"车库|工作室|作坊|工厂|仓库", True,
             ("a workshop hum with the odd clank of tools", "车间的嗡嗡声，偶尔传来工具碰撞声"), None,
             (("a wrench clanks on a metal bench", "扳手哐当落在金属台上"),), "in the workshop", "车间里"),
    Setting("laundromat", r"laundromats?|laundr(?:y|ies)|launderettes?", r"洗衣房|自助洗衣", True,
             ("the steady hum and tumble of washing machines", "洗衣机平稳的嗡嗡声和滚筒转动声"), None,
             (("a dryer buzzes at the end of its cycle", "一台烘干机结束时嗡地响了一声"),), "in the laundromat", "洗衣房里"),
    Setting("dorm", r"dorm(?:itor(?:y|ies))?s?", r"宿舍|寝室", True,
             ("a quiet dorm room at night", "安静的宿舍"), None,
             (("a bed creaks as someone turns over", "有人翻身，床吱呀一声"),), "in the dorm", "宿舍里"),
    Setting("construction", r"construction sites?|building sites?|roadworks", r"工地|施工", False,
             ("a busy construction site with distant machinery", "繁忙的工地，远处机器轰鸣"), None,
             (("a drill whines in bursts", "电钻一阵一阵地尖啸"), ("metal pipes clang together", "金属管子哐啷相撞")),
             "on the building site", "工地上"),
    Setting("club", r"(?:jazz |night)?clubs?|lounges?|speakeas(?:y|ies)", r"俱乐部|夜店|酒廊", True,
             ("a smoky club with murmuring voices and clinking glasses", "烟雾缭绕的俱乐部，人声低语，酒杯轻碰"), None,
             (("glasses clink at the bar", "吧台边酒杯轻碰"),), "in the club", "俱乐部里"),
    Setting("stadium", r"stadiums?|arenas?|football pitch", r"体育场|球场|体育馆", False,
             ("a roaring stadium crowd", "体育场里人群的欢呼声"), None,
             (("the crowd cheers and claps", "人群欢呼鼓掌"),), "in the stadium", "体育场里"),
    Setting("house", r"houses?|homes?|rooms?|bedrooms?|living rooms?|cabins?|huts?|cottages?|inside|indoors|apartments?|"
                      r"attics?|halls?|castles?",
             r"房子|屋里|屋内|家里|房间|卧室|客厅|小屋|木屋|室内|阁楼|城堡", True,
             ("quiet room tone with a ticking clock", "安静的室内，时钟滴答作响"),
             ("a quiet house at night with a ticking clock", "夜里安静的屋子，时钟滴答"),
             (("floorboards creak in the next room", "隔壁房间的地板吱吱作响"), ("a clock ticks on the wall", "墙上的时钟滴答作响"),
              ("the house settles with a soft creak", "房子发出轻微的吱嘎声")),
             "indoors", "屋里"),
    Setting("mountain", r"mountains?|cliffs?|peaks?|hills?|valleys?", r"山上|山顶|山谷|悬崖|高山|群山", False,
             ("cold wind across a mountainside", "山间呼啸的冷风"), None,
             (("wind whistles over a rocky ridge", "风从岩石山脊上呼啸而过"), ("a hawk cries high above", "一只鹰在高空鸣叫")),
             "in the mountains", "山里"),
    Setting("desert", r"deserts?|dunes?", r"沙漠|沙丘", False,
             ("dry wind over sand dunes", "干燥的风吹过沙丘"), None,
             (("sand hisses in a gust of wind", "一阵风吹过，沙子沙沙作响"),),
             "in the desert", "沙漠里"),
    Setting("river", r"rivers?|lakes?|ponds?|riverbanks?|swamps?|marsh(?:es)?|bayous?|wetlands?",
            r"河边|湖边|池塘|溪边|河畔|湖畔|沼泽|湿地|湖面|湖上|河面|江面|江边", False,
             ("a gently flowing river with birds", "河水缓缓流淌，鸟儿轻鸣"), ("a calm river at night with frogs", "夜晚平静的河边，蛙声阵阵"),
             (("a fish splashes in the water", "一条鱼跃出水面，溅起水花"),),
             "by the river", "河边"),
    Setting("park", r"parks?|gardens?|playgrounds?", r"公园|花园|操场|游乐场", False,
             ("birds and distant voices in a park", "公园里鸟鸣声与远处的人声"), None,
             (("children's voices drift from a playground", "远处游乐场传来孩子们的声音"),),
             "in the park", "公园里"),
    Setting("grassland", r"prairies?|steppes?|grasslands?|savann?ahs?|plains", r"草原|大草原|牧场", False,
             ("wind over open grassland", "辽阔草原上的风声"), None,
             (("the wind sweeps through tall grass", "风吹过高高的草丛"),), "on the grassland", "草原上"),
    Setting("village", r"villages?|(?:the|a|on a|our|his|her) farm|farmyard|farmhouse|farmland|countryside|meadows?|fields?|barns?", r"村庄|村子|乡村|农场|田野|草地|农村", False,
             ("quiet countryside with distant birds and a light breeze", "宁静的乡村，远处鸟鸣，微风轻拂"),
             ("quiet countryside at night with crickets", "夜晚宁静的乡村，蟋蟀鸣叫"),
             (("a rooster crows far off", "远处一只公鸡啼叫"), ("a dog barks at a distant farm", "远处农场传来狗叫"),
              ("a cart creaks along a dirt road", "一辆推车沿着土路吱吱呀呀地走过")),
             "in the village", "村子里"),
]
SETTING_BY_KEY = {s.key: s for s in SETTINGS}


class TimeOfDay(NamedTuple):
    key: str
    en: str  # English regex
    zh: str  # Chinese regex
    phrase: tuple[str, str]  # (English phrase, Chinese phrase)


TIMES: list[TimeOfDay] = [
    TimeOfDay("dawn", r"dawn|sunrise|daybreak|early morning|first light", r"黎明|清晨|拂晓|日出|破晓", ("at dawn", "清晨")),
    TimeOfDay("morning", r"morning|(?:[5-9]|1[01])(?::\d\d)?\s*a\.?m\.?", r"早上|上午|早晨|早高峰|早间",
              ("in the morning", "早上")),
    TimeOfDay("day", r"noon|midday|afternoon|daytime|sunny|sunshine|sunlit", r"中午|下午|白天|正午|晒太阳|阳光明媚|烈日",
              ("in the afternoon", "下午")),
    TimeOfDay("evening", r"evening|dusk|sunset|twilight", r"傍晚|黄昏|日落|擦黑|天黑前", ("at dusk", "黄昏")),
    TimeOfDay("night", r"night\w*|midnight|moonlight|moonlit|starlight|starlit|starry sky",
              r"夜|晚上|午夜|深夜|半夜|月光|月色|星光|星空|熄灯", ("at night", "夜晚")),
]
TIME_PHRASES = {t.key: t.phrase for t in TIMES}

# The acoustic space of a setting in engine.instruct's sound words (environment).
_ENVIRONMENTS = {"forest": ("forest", "森林"), "city": ("city", "城市"), "coast": ("beach", "海边"),
                 "cave": ("cave", "山洞"), "church": ("church", "教堂"), "village": ("countryside", "乡村"),
                 "station": ("hall", "大厅"), "market": ("street", "街道")}
_WEATHER_BED = {  # (outdoors en, outdoors zh, indoors en, indoors zh)
    "storm": ("steady rain and wind", "持续的风雨声", "muffled rain and wind outside", "屋外隐约的风雨声"),
    "rain": ("steady rain", "持续的雨声", "steady rain drumming on the roof", "屋顶上持续的雨声"),
    "snow": ("cold wind carrying snow", "寒风夹着飞雪", "a soft winter wind outside", "屋外轻柔的冬日寒风"),
    "wind": ("gusting wind", "阵阵风声", "wind moaning around the walls", "风在墙外呜呜作响"),
}
# Weather recorded on the scene (and so in its ambience bed) when a clause mentions it, unless it ends there.
_WEATHER_CLEARS = re.compile(r"\b(?:stops?|stopped|ends?|ended|passes|passed|clears?|cleared|calms?|dies down|"
                             r"subsides?|eases?)\b|停|过去|放晴|平息", re.I)


class SceneCues(NamedTuple):
    """What one clause says about where and when it happens."""

    setting: Setting | None
    time: str | None
    weather: str | None
    clears: bool  # the weather ends in this clause ("the rain stops")
    indoor: bool
    place: tuple[str, str] | None  # (preposition, noun phrase) as written: ("over", "a fishing village")
    outdoor: bool = False  # "outside", "in the yard", "外景" with no place named
    room: bool = False  # a room named without a place ("inside", "屋里")


def _head_setting(clause: str, language: str):
    """The place a clause names, as (row, match): in a compound the last noun is the place ("a beach house" is a
    house, "a village church" a church, "海边的小屋" a hut)."""
    hit = earliest(SETTINGS, clause, language)
    while hit:
        rest = clause[hit[1].end():]
        joiner = re.match(r"的?" if language == "zh" else r" ", rest)
        if not joiner:
            return hit
        nxt = earliest(SETTINGS, rest[joiner.end():], language)
        if not nxt or nxt[1].start() != 0 or nxt[0] is hit[0]:
            return hit
        offset = hit[1].end() + joiner.end()
        hit = (nxt[0], re.compile(re.escape(nxt[1].group(0))).search(clause, offset))
    return hit


# What puts a scene indoors when no place is named: the room's own things ("microwave beeps", "防盗门砰地关上")
_INDOOR_EN = (r"inside|indoors|within|windows?|window ?panes?|fireplace|hearth|by the fire|microwave|fridge|refrigerator|"
              r"kettle|oven|stove|sofa|couch|bedroom|pillow|desk|keyboards?|typing|printer|photocopier|copier|"
              r"radiator|ceiling|ceiling fan|air[- ]con\w*|sink|bathtub|toilet|vacuum cleaner|washing machine|"
              r"dishwasher|hair ?dryer|television|tv|doorbell|staircase|stairs|hallway|corridor|upstairs|downstairs|"
              r"living room|staff ?room|newsroom|studio|greenhouse|observatory|habitat|int\.")
_INDOOR_ZH = (r"屋里|室内|屋内|家里|炉火|壁炉|外面|窗|微波炉|冰箱|水壶|烤箱|灶台|沙发|床上|书桌|键盘|打印机|复印机|显示器|暖气|"
              r"天花板|吊扇|电扇|空调|水龙头|水槽|浴缸|马桶|吸尘器|洗衣机|洗碗机|吹风机|电视|门铃|楼梯|走廊|楼上|楼下|防盗门|"
              r"窗台|内景|出租屋|公寓|急诊室|候诊|病房|直播间|录音棚|演播室|办公|大堂|客栈")
_OUTDOOR_EN = (r"outside|outdoors|open air|in the yard|backyard|garden|roads?|highway|motorway|sky|fields?|ext\.|"
               r"rooftop|porch|balcony|courtyard|alley")
_OUTDOOR_ZH = r"户外|室外|野外|院子|院里|路上|公路|天空|田里|外景|屋顶|阳台|巷子|胡同|广场"
# "outside the window", "窗外", "beyond the wall": what follows is heard from inside
_HEARD_THROUGH = re.compile(r"窗外|门外|墙外|隔壁|outside the window|through the window|beyond the (?:wall|window|door)|"
                            r"next door|from the street", re.I)


def read_scene(draft: Draft, clause: str) -> SceneCues:
    language = draft.reading_language
    hit = _head_setting(clause, language)
    if hit and _HEARD_THROUGH.search(clause[:hit[1].start()][-12:]):
        hit = None  # "窗外操场上有人在打篮球": a place heard through the window is not where we are
    setting = hit[0] if hit else None
    place = None
    if hit and language == "en":
        m = re.search(r"\b(in|at|on|over|across|through|inside|near|by|along|onto|into|around|reaches|hits|"
                      r"sweeps|strikes|approaches|enters)\s+((?:[\w'-]+\s+){0,3})$", clause[:hit[1].start()], re.I)
        if m:
            place = (m.group(1).lower(), (m.group(2) + hit[1].group(0)).strip())
    time_hit = earliest(TIMES, clause, language)
    time = time_hit[0].key if time_hit else None
    weather = None
    keys = [k for k, _ in sound_hits(clause, language)]
    if "storm" in keys or ("rain" in keys and "thunder" in keys):
        weather = "storm"
    elif "snow" in keys:
        weather = "snow"
    elif "rain" in keys:
        weather = "rain"
    elif "wind" in keys and draft.find(r"strong|fierce|howl\w*|gust\w*|gales?", r"狂风|大风|呼啸", clause):
        weather = "wind"
    clears = bool(weather and _WEATHER_CLEARS.search(clause))
    room = bool(draft.find(r"inside|indoors|within|in the room|fireplace|hearth|by the fire",
                            r"屋里|室内|屋内|家里|房间里|炉火|壁炉", clause))
    indoor = room or bool(draft.find(_INDOOR_EN, _INDOOR_ZH, clause))
    outdoor = not indoor and bool(draft.find(_OUTDOOR_EN, _OUTDOOR_ZH, clause))
    return SceneCues(setting, time, weather, clears, indoor, place, outdoor, room)


def enter_scene(draft: Draft, clause: str) -> tuple[int, SceneCues]:
    """The index of the scene a clause belongs to; a new place, time of day or weather starts a new scene."""
    cues = read_scene(draft, clause)
    setting, time, weather, clears = cues.setting, cues.time, cues.weather, cues.clears
    current = draft.scenes[-1]
    if draft.weather_cleared and current.clips:
        # "the rain stops" is heard under the rain; what follows is a calm scene
        draft.weather_cleared = False
        draft.scenes.append(Scene(place=current.place, time=current.time, weather=None, indoor=current.indoor,
                                  room=current.room, outdoor=current.outdoor))
        current = draft.scenes[-1]
    new_place = setting.key if setting else None
    weather_after = None if clears else weather or current.weather
    changed = ((new_place and current.place and new_place != current.place)
               or (time and current.time and time != current.time)
               or (weather and not clears and current.weather and weather != current.weather and current.clips)
               or (weather and not current.weather and current.clips and not clears))
    if changed and current.clips:
        indoor_next = (setting.indoor if setting else (current.indoor and not new_place)) or cues.indoor
        draft.scenes.append(Scene(place=new_place or current.place, time=time or current.time, weather=weather_after,
                                  indoor=indoor_next, outdoor=cues.outdoor and not indoor_next,
                                  room=cues.room or (current.room and not new_place)))
    else:
        current.place = current.place or new_place
        current.time = current.time or time
        if weather and not clears:
            current.weather = weather
        if setting and current.place == setting.key:
            current.indoor = current.indoor or setting.indoor
        current.indoor = current.indoor or cues.indoor
        current.room = current.room or cues.room
        current.outdoor = (current.outdoor or cues.outdoor) and not current.indoor
    if clears:
        draft.weather_cleared = True
    return len(draft.scenes) - 1, cues


def environment(scene: Scene, language: str) -> str:
    """The acoustic space in engine.instruct's words (indoors, forest, beach, cave…)."""
    zh = language == "zh"
    env = _ENVIRONMENTS.get(scene.place or "")
    if env:
        return env[1] if zh else env[0]
    setting = SETTING_BY_KEY.get(scene.place or "")
    if scene.indoor or (setting and setting.indoor):
        return "室内" if zh else "indoors"
    if setting or scene.outdoor or scene.weather:
        return "室外" if zh else "outdoors"
    return ""  # nothing says where: the sound is not placed indoors or out


def bed_caption(scene: Scene, language: str) -> str:
    """The ambience under a scene: its weather, else its place (by night when it differs), plus its ambient sounds."""
    setting = SETTING_BY_KEY.get(scene.place or "")
    time_en, time_zh = TIME_PHRASES.get(scene.time or "", ("", ""))
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
    elif scene.time in ("night", "evening") and not scene.indoor:
        core_en, core_zh = ("quiet night air", "宁静的夜色")
        time_en = time_zh = ""
    elif scene.indoor:
        core_en, core_zh = ("quiet room tone", "安静的室内环境声")
    else:
        core_en, core_zh = ("soft outdoor ambience with a light breeze", "轻柔的户外环境声，微风拂过")
    extras = [k for k in scene.ambient if k != scene.weather][:2]
    if language == "zh":
        text = (f"{time_zh}，" if time_zh and time_zh not in core_zh else "") + core_zh
        text += "".join(f"，{SOUND_BY_KEY[k].variants[-1][2]}" for k in extras)
        return as_sentence(text, "zh")
    extra_en = [SOUND_BY_KEY[k].variants[-1][1].replace("{at}", "") for k in extras]
    text = core_en + (f" {time_en}" if time_en and time_en not in core_en else "")
    if extra_en:
        text += ", with " + " and ".join(extra_en)
    return as_sentence(text, "en")
