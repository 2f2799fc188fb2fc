package demo

import (
	"fmt"

	"aftersales"
)

// KBSynonyms are the demo's synonym groups: the words customers use for
// the faults the articles name.
const KBSynonyms = `# 一行一组，逗号分隔 / one group a line, separated by commas
不制冷, 不冷, 制冷差, 制冷效果差, 不凉, 吹热风, not cooling, no cold air, warm air
异响, 噪音, 噪音大, 响声, 声音大, 咔咔响, 嗡嗡响, 震动, 振动, noise, noisy, rattle, banging, vibration
漏水, 滴水, 渗水, 流水, leak, leaking, drip, dripping
不点火, 打不着火, 点不着, 无法点火, no ignition, won't light, not lighting
燃气味, 煤气味, 漏气, gas smell, smell gas, gas leak
黑屏, 不亮, 没画面, 无画面, black screen, no picture, blank screen
遥控器, 遥控, remote, remote control
不脱水, 甩不干, 脱水不了, won't spin, not spinning, clothes still wet
结冰, 结霜, 冰块, frost, ice, iced up
忽冷忽热, 水温不稳, 时冷时热, 一会冷一会热, temperature fluctuates, hot and cold
热水器, water heater, boiler
洗衣机, washer, washing machine
空调, air conditioner, aircon, ac
冰箱, fridge, refrigerator
电视, tv, television
故障代码, 错误代码, 报错, error code, fault code
保修, 质保, 三包, warranty, guarantee
`

// KBArticles are the demo company's knowledge base, written from its own
// common faults: what a customer can try before a visit, and a few
// internal notes for the staff. The slugs are the labelled query set's
// ids (internal/kb/testdata/queries.tsv).
var KBArticles = []aftersales.ArticleInput{
	{Slug: "ac-not-cooling", Category: "ac", Visibility: aftersales.KBPublic, Tags: []string{"空调", "制冷", "cooling"},
		TitleZH: "空调不制冷怎么办", TitleEN: "Air conditioner is not cooling",
		BodyZH: `空调开了很久房间还是不凉，多数情况可以自己先排查：

1. 确认遥控器选的是**制冷**模式（雪花图标），不是送风、除湿或制热，设定温度比室温低 2 度以上。
2. 取下室内机面板里的两片**过滤网**，用清水冲洗、阴干后装回。滤网堵塞是夏季不制冷最常见的原因。
3. 看室外机周围有没有杂物、遮挡，出风口前至少留出 50 厘米。室外机被太阳直晒时可以加遮阳，但不要包住。
4. 关好门窗；房间面积远大于空调匹数（1 匹约 10-15 平方米）时制冷会很慢。
5. 听一听室外机是否在转：室内机在吹风但室外机不启动，或出风口吹的是热风，请停止使用并报修。

如果以上都正常，仍然不制冷，可能是缺少制冷剂（缺氟）或压缩机故障，需要师傅上门检测。报修时请写明型号（如 KFR-35GW）和购买日期。`,
		BodyEN: `The unit has been on for a long time and the room is still warm. Most causes can be checked at home first:

1. Make sure the remote is in **Cool** mode (the snowflake), not Fan, Dry or Heat, and the set temperature is at least 2 °C below the room.
2. Take out the two **air filters** behind the front panel, rinse them in water, let them dry and put them back. A clogged filter is the most common summer cause.
3. Clear anything around the outdoor unit and keep 50 cm free in front of its fan. Shade it from direct sun if you can, but never wrap it.
4. Close doors and windows; a room much larger than the unit's size (1 HP for about 10-15 m²) cools slowly.
5. Listen to the outdoor unit: if the indoor unit blows but the outdoor one never starts, or the air is warm, switch off and book a repair.

If all of this is fine and it still does not cool, the refrigerant may be low or the compressor faulty: a technician has to check it. Please give the model (e.g. KFR-35GW) and the purchase date.`},
	{Slug: "ac-outdoor-noise", Category: "ac", Visibility: aftersales.KBPublic, Tags: []string{"空调", "室外机", "噪音"},
		TitleZH: "空调外机声音大、有异响", TitleEN: "Outdoor unit of the air conditioner is loud",
		BodyZH: `室外机运行时有"嗡嗡"声是正常的，但出现咔咔、哐哐的撞击声或明显振动时：

1. 检查外机支架的螺丝是否松动，外机与墙面、窗框之间是否贴在一起。
2. 看风扇叶片附近有没有树叶、塑料袋等杂物。
3. 变频机型刚启动时转速高、声音大，运行 10 分钟后会降下来，属于正常现象。
4. 外机安装在高处时请**不要自己攀爬**，拍下外机照片或视频附在报修单里。

如果异响持续或越来越大，请报修。师傅会检查减震垫、风扇电机和压缩机固定。`,
		BodyEN: `A steady hum from the outdoor unit is normal. For knocking, rattling or strong vibration:

1. Check whether the bracket's bolts are loose and whether the unit touches the wall or a window frame.
2. Look for leaves, plastic bags or other things near the fan blades.
3. Inverter models run fast and loud for the first minutes after start; the sound drops after about 10 minutes.
4. If the unit is mounted high up, **do not climb out to it**: take a photo or a video and attach it to your request.

If the noise stays or gets worse, book a repair: the technician checks the rubber mounts, the fan motor and the compressor fixings.`},
	{Slug: "ac-indoor-leak", Category: "ac", Visibility: aftersales.KBPublic, Tags: []string{"空调", "室内机", "漏水"},
		TitleZH: "空调室内机漏水、滴水", TitleEN: "Indoor unit of the air conditioner drips water",
		BodyZH: `制冷时室内机会产生冷凝水，经排水管流到室外。室内机往下滴水通常是排水不畅：

1. 先关机断电，用毛巾接住滴水，避免泡坏地板和墙面。
2. 到室外找到排水管出口，看是否被压扁、打折、插进水里或被虫子、泥土堵住。
3. 清洗过滤网：滤网太脏会让蒸发器结霜，化霜时水量突然变大。
4. 新装或移机后开始漏水，多半是室内机安装不水平或排水管坡度不够，请报修由师傅调整。`,
		BodyEN: `When cooling, the indoor unit makes condensate that flows outside through the drain hose. Water dripping indoors usually means the drain is blocked:

1. Switch off and unplug the unit, and catch the water with a towel to protect the floor and wall.
2. Find the end of the drain hose outside: is it squashed, kinked, sitting in water, or blocked by insects or dirt?
3. Clean the air filters: a dirty filter lets the coil ice up, and a lot of water comes at once when it thaws.
4. If the leak started after installing or moving the unit, it is probably not level or the hose does not slope down: book a repair to have it adjusted.`},
	{Slug: "ac-remote", Category: "ac", Visibility: aftersales.KBPublic, Tags: []string{"遥控器", "空调"},
		TitleZH: "空调遥控器失灵、按了没反应", TitleEN: "Air conditioner remote does not respond",
		BodyZH: `1. 更换两节 7 号电池，注意正负极方向。
2. 对准室内机右下角的接收窗，距离 6 米以内，中间不要有遮挡。
3. 用手机摄像头对着遥控器发射头按键，屏幕上能看到闪光说明遥控器在发射信号。
4. 按遥控器上的"锁定"组合键（通常是温度加减键同时按 3 秒）检查是否被童锁。
5. 遥控器正常但室内机不接收时，可按室内机面板下的**应急开关**先开机，再报修。`,
		BodyEN: `1. Put in two new AAA batteries the right way round.
2. Point at the receiver window at the lower right of the indoor unit, within 6 m, with nothing in between.
3. Look at the remote's tip through a phone camera while pressing a button: a flash on the screen means it is sending.
4. Check the child lock (usually both temperature keys held for 3 seconds).
5. If the remote works but the unit does not react, start it with the **emergency switch** under the front panel and book a repair.`},
	{Slug: "ac-error-e1", Category: "ac", Visibility: aftersales.KBPublic, Tags: []string{"E1", "故障代码", "空调"},
		TitleZH: "空调显示 E1 故障代码", TitleEN: "Air conditioner shows error code E1",
		BodyZH: `E1 表示室内机与室外机之间通信异常，或室内温度传感器故障。

1. 关机后拔掉电源插头（或断开空气开关），等待 5 分钟再通电开机，很多偶发的 E1 会消失。
2. 雷雨天气后出现 E1，多为电压波动，重新上电即可。
3. 重新上电后仍显示 E1，请不要反复开关，直接报修，并写明"显示 E1"和空调型号。

师傅会检查通信线、室内外机主板和传感器。`,
		BodyEN: `E1 means the indoor and outdoor units cannot talk to each other, or the room temperature sensor is faulty.

1. Switch off, unplug (or turn off the breaker), wait 5 minutes and switch on again: an occasional E1 often clears.
2. E1 after a thunderstorm is usually a voltage dip; powering up again fixes it.
3. If E1 comes back, do not keep switching it on and off: book a repair, say "shows E1" and give the model.

The technician checks the signal cable, both control boards and the sensor.`},
	{Slug: "ac-heating-weak", Category: "ac", Visibility: aftersales.KBPublic, Tags: []string{"制热", "空调", "heating"},
		TitleZH: "冬天空调制热效果差、吹的风不热", TitleEN: "Air conditioner heats poorly in winter",
		BodyZH: `1. 制热模式开机后室内机要先预热 2-5 分钟才出风，这段时间不吹风是防冷风功能。
2. 室外温度低于 -5 度时制热能力会下降；室外机结霜后会自动**除霜**，除霜期间室内机停止出风约 5-10 分钟，属于正常。
3. 清洗过滤网，把导风板调到向下吹，热空气上升，向下吹更暖和。
4. 如果室外机整块结成冰、长时间不化，或一直吹凉风，请报修。`,
		BodyEN: `1. In Heat mode the indoor unit warms up for 2-5 minutes before blowing: this stops it from blowing cold air.
2. Below -5 °C outside the heating output drops; when frost builds on the outdoor unit it **defrosts** on its own and the indoor unit stops blowing for 5-10 minutes. This is normal.
3. Clean the filters and point the louvre downwards: warm air rises, so blowing down feels warmer.
4. If the outdoor unit is covered in ice that never melts, or the air stays cold, book a repair.`},
	{Slug: "ac-odor", Category: "ac", Visibility: aftersales.KBPublic, Tags: []string{"异味", "清洁", "空调"},
		TitleZH: "空调吹出来有异味、霉味", TitleEN: "Air conditioner smells musty",
		BodyZH: `长时间不用或潮湿季节，蒸发器和接水盘容易滋生霉菌：

1. 清洗过滤网，用空调专用清洁剂喷蒸发器翅片，静置 10 分钟后开制冷让冷凝水把污物带走。
2. 关机前先开 10 分钟**送风**模式吹干内部，可以减少霉味。
3. 闻到焦糊味或看到冒烟时立即断电，不要再开机，马上报修。

需要深度清洗（拆机清洗蒸发器和风轮）可以预约付费清洗服务。`,
		BodyEN: `After a long break or in humid weather, mould grows on the coil and in the drain pan:

1. Clean the filters, spray an air-conditioner cleaner on the coil fins, wait 10 minutes and run Cool so the condensate carries the dirt away.
2. Run **Fan** mode for 10 minutes before switching off to dry the inside: it keeps the smell away.
3. If you smell burning or see smoke, cut the power at once, do not switch on again, and book a repair immediately.

A deep clean (coil and fan wheel taken out) can be booked as a paid service.`},
	{Slug: "washer-drum-noise", Category: "washer", Visibility: aftersales.KBPublic, Tags: []string{"洗衣机", "滚筒", "异响"},
		TitleZH: "滚筒洗衣机异响、脱水时声音很大", TitleEN: "Front-loading washer is noisy or bangs when spinning",
		BodyZH: `1. **新机先拆运输螺栓**：机器背面的 3-4 颗运输螺栓没拆，脱水时会剧烈振动并发出巨响。
2. 调节底脚，让洗衣机四脚着地、放平，晃一晃机身不应摇动。
3. 检查衣物是否缠成一团或只洗一件厚重衣物，重新抖散后再脱水。
4. 洗衣前掏空口袋：硬币、钥匙、发卡掉进内外筒之间会发出"咔咔"的金属声。
5. 转动内筒时有摩擦声，或一直有"嗡嗡"的轴承声，可能是轴承磨损，请报修（XQG80 型号可注明"滚筒异响"）。`,
		BodyEN: `1. **On a new machine, remove the transit bolts**: if the 3-4 bolts at the back are still in, the drum shakes hard and bangs when spinning.
2. Adjust the feet so the machine stands level on all four; it should not rock when you push it.
3. A tangled ball of laundry, or one heavy item alone, unbalances the drum: spread the load and spin again.
4. Empty the pockets: coins, keys and hair clips caught between the drums make a clicking metallic noise.
5. A grinding sound when you turn the drum by hand, or a constant rumble, points to worn bearings: book a repair.`},
	{Slug: "washer-no-spin", Category: "washer", Visibility: aftersales.KBPublic, Tags: []string{"洗衣机", "脱水"},
		TitleZH: "洗衣机不脱水、衣服甩不干", TitleEN: "Washing machine does not spin, clothes stay wet",
		BodyZH: `1. 看看洗衣机里是否还有水：排水不畅时不会脱水。清理机器右下角小门里的**排水泵过滤器**（先放掉残水，准备好毛巾）。
2. 检查排水管有没有被压住、打折，出水口不要高于 1 米。
3. 衣物太少或只有一件大毛巾时，机器检测到不平衡会放弃高速脱水，加几件衣物后重试。
4. 确认选择的程序带脱水（"轻柔""羊毛"程序转速很低），脱水转速没有设成"0"或"免脱水"。
5. 排水正常、衣物均匀仍不脱水，请报修。`,
		BodyEN: `1. Is there water left in the drum? A machine that cannot drain will not spin. Clean the **drain pump filter** behind the small flap at the bottom right (let the water out first, have a towel ready).
2. Check that the drain hose is not squashed or kinked and its end is no higher than 1 m.
3. A very small load or one big towel unbalances the drum and the machine skips the fast spin: add a few items and try again.
4. Make sure the programme spins ("Delicate" and "Wool" spin slowly) and the spin speed is not set to 0 / "No spin".
5. If it drains and the load is even but it still does not spin, book a repair.`},
	{Slug: "washer-leak", Category: "washer", Visibility: aftersales.KBPublic, Tags: []string{"洗衣机", "漏水"},
		TitleZH: "洗衣机底部漏水", TitleEN: "Water leaks under the washing machine",
		BodyZH: `1. 关闭水龙头并断电，擦干地面，找出水从哪里来。
2. 进水管两端的接头是否拧紧、密封圈是否老化。
3. 排水泵过滤器的盖子是否拧紧（清理后没拧紧很常见）。
4. 门封圈（玻璃门周围的橡胶圈）有没有破损、夹着衣物或毛发。
5. 洗衣液放太多会产生大量泡沫从门缝溢出，按说明减少用量，使用滚筒专用低泡洗衣液。

以上都没有问题而机器底部仍在漏水，可能是内部水管或外筒漏水，请报修。`,
		BodyEN: `1. Turn off the tap and unplug the machine, dry the floor and find where the water comes from.
2. Are both ends of the inlet hose tight, and are their rubber seals intact?
3. Is the drain pump filter cap screwed fully home (often forgotten after cleaning)?
4. Is the door seal (the rubber ring around the glass door) torn, or is laundry or hair caught in it?
5. Too much detergent foams out of the door: use less, and a low-foam detergent made for front-loaders.

If none of these and it still leaks underneath, an internal hose or the tub may leak: book a repair.`},
	{Slug: "washer-wont-start", Category: "washer", Visibility: aftersales.KBPublic, Tags: []string{"洗衣机", "E3", "无法启动"},
		TitleZH: "洗衣机无法启动或显示 E3", TitleEN: "Washing machine will not start or shows E3",
		BodyZH: `1. 检查插座是否有电、是否接了漏电保护开关并已跳闸。
2. 门没关紧时程序不会开始：用力关门直到听到"咔哒"声。E3 多为门锁未锁上。
3. 童锁开启时按键无效，长按童锁组合键 3 秒解除。
4. 预约洗涤开着时机器会等到设定时间才启动。
5. 断电 1 分钟后重新开机仍显示 E3 或没有反应，请报修。`,
		BodyEN: `1. Check that the socket has power and that a residual-current breaker has not tripped.
2. The programme does not start while the door is open: close it firmly until it clicks. E3 usually means the door lock did not engage.
3. With the child lock on, the buttons do nothing: hold its key combination for 3 seconds.
4. With a delayed start set, the machine waits until that time.
5. If it still shows E3 or does nothing after one minute unplugged, book a repair.`},
	{Slug: "fridge-not-cooling", Category: "fridge", Visibility: aftersales.KBPublic, Tags: []string{"冰箱", "制冷"},
		TitleZH: "冰箱不制冷、冷藏室不冷", TitleEN: "Refrigerator is not cold enough",
		BodyZH: `1. 新冰箱或刚搬动过的冰箱，要静置 2 小时再通电，通电后 4-6 小时才会降到设定温度。
2. 检查温度设置：冷藏 4 度左右、冷冻 -18 度左右，没有开"假日模式"。
3. 冰箱背面和两侧要留出 10 厘米散热空间，远离灶台、暖气和阳光直射。
4. 一次放入大量常温食物、频繁开门都会让温度上升。
5. 压缩机一直不启动，或压缩机一直在转但箱内不冷，请报修。`,
		BodyEN: `1. A new fridge, or one just moved, must stand for 2 hours before it is switched on, and takes 4-6 hours to reach its temperature.
2. Check the settings: about 4 °C for the fridge, about -18 °C for the freezer, and holiday mode off.
3. Leave 10 cm free behind and beside it, away from the stove, radiators and direct sun.
4. Much warm food at once, or opening the door often, raises the temperature.
5. If the compressor never starts, or runs all the time and it is still not cold, book a repair.`},
	{Slug: "fridge-frost", Category: "fridge", Visibility: aftersales.KBPublic, Tags: []string{"冰箱", "结冰", "门封"},
		TitleZH: "冰箱冷藏室结冰、门关不严", TitleEN: "Ice builds up in the fridge, or the door does not seal",
		BodyZH: `冷藏室后壁结冰、结霜，多半是热空气进入了箱内：

1. 检查门封条：夹一张纸关门，纸能轻松抽出的地方就是漏气点。门封变形可以用吹风机低温吹软后用手整形。
2. 食物不要贴住后壁，不要挡住出风口。
3. 温度不要设得太低（冷藏 1-2 度容易结冰），调到 4-5 度。
4. 放入热汤、热饭前先放凉。
5. 门封破损或冰箱门下垂关不严时，请报修更换门封或调整门铰链。`,
		BodyEN: `Ice or frost on the back wall of the fridge means warm air gets in:

1. Check the door seal: close the door on a sheet of paper; where it slides out easily, air leaks. A warped seal can be softened with a hair dryer on low and reshaped by hand.
2. Keep food off the back wall and away from the air vents.
3. Do not set it too cold (1-2 °C freezes easily): set 4-5 °C.
4. Let hot soup and food cool before putting them in.
5. If the seal is torn or the door sags and does not close, book a repair to replace the seal or adjust the hinges.`},
	{Slug: "heater-no-ignition", Category: "heater", Visibility: aftersales.KBPublic, Tags: []string{"燃气热水器", "点火"},
		TitleZH: "燃气热水器打不着火、不点火", TitleEN: "Gas water heater does not light",
		BodyZH: `1. 确认燃气阀门已打开，家里其他燃气灶具能正常点火（排除停气、欠费）。
2. 天然气表或液化气罐是否有气；IC 卡表要检查余额。
3. 检查热水器电源，电池点火的机型更换两节 1 号电池。
4. 水压太低时热水器不会启动：把热水龙头开大，清洗花洒和进水口过滤网。
5. 冬季水管冻住时等待解冻，不要用明火烤水管。

多次点火失败请关闭燃气阀门后报修，**不要反复打火**。`,
		BodyEN: `1. Make sure the gas valve is open and other gas appliances light (no supply cut or unpaid bill).
2. Check the gas meter or the bottle; with a prepaid card meter, check the balance.
3. Check the heater's power; on battery-ignition models, replace the two D batteries.
4. With too little water pressure the heater does not start: open the hot tap fully, clean the shower head and the inlet strainer.
5. In winter, wait for frozen pipes to thaw; never heat them with a flame.

If it fails to light several times, close the gas valve and book a repair. **Do not keep trying to light it.**`},
	{Slug: "heater-temp-fluctuation", Category: "heater", Visibility: aftersales.KBPublic, Tags: []string{"燃气热水器", "水温"},
		TitleZH: "热水器水温忽冷忽热", TitleEN: "Water heater temperature goes hot and cold",
		BodyZH: `1. 用水时不要同时开多个水龙头，水量变化会让水温波动。
2. 混水阀开得太偏冷时，热水器低于最小流量会熄火，把混水阀往热水方向多开一些，或把热水器温度调低到 40-45 度后只开热水。
3. 清洗花洒和进水口过滤网，水垢堵塞会让流量忽大忽小。
4. 冬季进水温度低，选择冬季模式或调高火力档位。
5. JSQ30-16T 等恒温机型仍频繁忽冷忽热，可能是水流传感器或比例阀故障，请报修。`,
		BodyEN: `1. Do not run several taps at once: the change in flow moves the temperature.
2. If the mixer is set far towards cold, the heater falls below its minimum flow and goes out: turn the mixer further to hot, or set the heater to 40-45 °C and use hot water only.
3. Clean the shower head and the inlet strainer: scale makes the flow jump.
4. In winter the incoming water is cold: choose winter mode or a higher flame setting.
5. If a thermostatic model such as JSQ30-16T still runs hot and cold, the flow sensor or the gas valve may be faulty: book a repair.`},
	{Slug: "heater-leak", Category: "heater", Visibility: aftersales.KBPublic, Tags: []string{"热水器", "漏水"},
		TitleZH: "热水器漏水、机身滴水", TitleEN: "Water heater is leaking",
		BodyZH: `1. 先关闭进水阀，电热水器要**断电**，燃气热水器关闭燃气阀。
2. 检查进出水管接头：接头处滴水多为密封圈老化或没拧紧，可以更换生料带或密封圈。
3. 电热水器加热时安全阀少量滴水是正常的泄压，安全阀持续流水则需要检查水压。
4. 机身内部或内胆漏水无法自行处理，请报修；60 升电热水器内胆在保修期内可免费检测。`,
		BodyEN: `1. Close the inlet valve first; **unplug** an electric heater, close the gas valve of a gas one.
2. Check the inlet and outlet joints: drips there are usually an old or loose seal; new PTFE tape or a washer fixes them.
3. A few drops from an electric heater's safety valve while heating are normal pressure relief; a steady flow needs the water pressure checked.
4. A leak inside the casing or from the tank cannot be fixed at home: book a repair. Tanks under warranty are inspected free of charge.`},
	{Slug: "heater-gas-smell", Category: "heater", Visibility: aftersales.KBPublic, Tags: []string{"燃气", "安全"},
		TitleZH: "闻到燃气味怎么办（安全须知）", TitleEN: "You smell gas: what to do (safety)",
		BodyZH: `闻到燃气味时请立即：

1. **不要**开关任何电器、不要打电话、不要点火，也不要拔插头。
2. 关闭燃气总阀和热水器前的燃气阀。
3. 打开门窗通风，人员离开房间。
4. 到室外安全的地方拨打燃气公司抢修电话，再联系我们报修，注明"有燃气味"，我们会优先安排。

燃气味消失前不要再使用热水器。`,
		BodyEN: `If you smell gas, at once:

1. **Do not** switch any electrical appliance on or off, make a call, light anything, or pull a plug.
2. Close the main gas valve and the valve in front of the water heater.
3. Open doors and windows and leave the room.
4. From a safe place outside, call the gas company's emergency line, then book a repair with us and say "smell of gas": it is handled first.

Do not use the heater again until the smell has gone.`},
	{Slug: "tv-black-screen", Category: "tv", Visibility: aftersales.KBPublic, Tags: []string{"电视", "黑屏", "信号"},
		TitleZH: "电视黑屏、无信号", TitleEN: "TV screen is black or says no signal",
		BodyZH: `1. 看电视的电源指示灯：灯不亮先检查插座和电源线；灯亮但黑屏，按遥控器电源键试试。
2. 显示"无信号"时，按遥控器**信号源**键，选择机顶盒所接的 HDMI 接口（如 HDMI 1）。
3. 重新插拔 HDMI 线两端，确认机顶盒已开机。
4. 拔掉电视电源 1 分钟再插上，很多偶发的黑屏会恢复。
5. 有声音没画面，或屏幕出现亮线、色块，多为屏幕或背光故障，请报修。`,
		BodyEN: `1. Look at the power light: if it is off, check the socket and cable; if it is on but the screen is black, press the remote's power key.
2. If it says "No signal", press the **Source/Input** key and choose the HDMI port your set-top box is on (e.g. HDMI 1).
3. Unplug and replug both ends of the HDMI cable and make sure the box is on.
4. Unplug the TV for one minute: many occasional black screens recover.
5. Sound without picture, or bright lines or blotches on the screen, mean a panel or backlight fault: book a repair.`},
	{Slug: "tv-remote", Category: "tv", Visibility: aftersales.KBPublic, Tags: []string{"电视", "遥控器"},
		TitleZH: "电视遥控器没反应", TitleEN: "TV remote does not work",
		BodyZH: `1. 更换电池。
2. 语音遥控器（蓝牙）需要配对：对准电视同时按住"主页"和"菜单"键 5 秒，直到指示灯闪烁。
3. 用手机摄像头看红外遥控器的发射头，按键时有闪光说明遥控器正常。
4. 电视本身按键能操作、遥控器正常却无反应，请报修。`,
		BodyEN: `1. Replace the batteries.
2. A voice (Bluetooth) remote must be paired: point it at the TV and hold Home and Menu for 5 seconds until the light blinks.
3. Look at an infrared remote's tip through a phone camera: a flash when you press a key means it works.
4. If the TV's own buttons work and the remote is fine but the TV ignores it, book a repair.`},
	{Slug: "warranty-visit-fee", Category: "general", Visibility: aftersales.KBInternal, Tags: []string{"保修", "收费"},
		TitleZH: "保修期内上门费规则（内部）", TitleEN: "Visit fees under warranty (internal)",
		BodyZH: `收费争议是投诉的主要原因之一，请按以下规则解释：

- 保修期内的产品质量问题：**免**上门费、免人工费、免配件费。
- 保修期内的非质量问题（如未拆运输螺栓、排水管堵塞、电池没电）：按价目表收取上门费，出发前在电话里说明。
- 保修期外：上门检测费在维修后抵扣人工费。
- 空调、热水器保修 3 年，洗衣机、电视 2 年；以购买发票日期为准，没有发票时按出厂日期加 3 个月。

上门前未告知收费、到场后收费的，客户投诉时一律退还上门费。`,
		BodyEN: `Fee disputes are a main cause of complaints; explain them like this:

- A product defect under warranty: **no** visit fee, no labour, no parts charge.
- Not a defect, under warranty (transit bolts left in, blocked drain hose, flat batteries): the visit fee of the price list, said on the phone before the visit.
- Out of warranty: the inspection fee is credited against the labour of the repair.
- Air conditioners and water heaters have 3 years, washers and TVs 2 years, from the invoice date; without an invoice, the production date plus 3 months.

A fee not announced before the visit is refunded in full when the customer complains.`},
	{Slug: "kfr35-noise-checklist", Category: "ac", Visibility: aftersales.KBInternal, Tags: []string{"KFR-35GW", "外机噪音", "技师"},
		TitleZH: "KFR-35GW/N1 外机噪音维修检查单（技师）", TitleEN: "KFR-35GW/N1 outdoor noise: technician checklist",
		BodyZH: `此型号外机噪音投诉明显高于其他型号，上门时按顺序检查：

1. 压缩机底脚减震橡胶是否老化、开裂，随车携带新减震垫。
2. 风扇电机轴承：断电后手转风叶，有卡滞或异响直接更换电机。
3. 压缩机排气管是否碰到外壳，用扎带或减震胶隔开。
4. 支架是否水平，膨胀螺栓是否松动。

维修后在工单里记录更换的配件，便于质量部门统计。`,
		BodyEN: `This model draws far more outdoor-noise complaints than others. On site, check in this order:

1. The compressor's rubber mounts: aged or cracked? Carry new ones.
2. The fan motor bearing: with the power off, turn the blades by hand; if it sticks or grinds, replace the motor.
3. The compressor discharge pipe touching the casing: separate it with a tie or damping rubber.
4. Is the bracket level, are the anchor bolts tight?

Record the parts replaced on the ticket, so that the quality team can count them.`},
}

// kb writes the knowledge base: synonyms first, so the articles are
// indexed with them.
func (g *gen) kb() error {
	if g.s.KB == nil {
		return nil
	}
	if err := g.s.KB.SetSynonyms(g.ctx, KBSynonyms); err != nil {
		return fmt.Errorf("synonyms: %w", err)
	}
	for _, a := range KBArticles {
		if _, err := g.s.KB.CreateArticle(g.ctx, a); err != nil {
			return fmt.Errorf("article %s: %w", a.Slug, err)
		}
	}
	return nil
}
