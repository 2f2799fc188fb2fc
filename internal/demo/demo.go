// Package demo generates a believable after-sales company: a service
// network across four regions, a product catalog whose models fail at
// different rates, technicians of different skill and speed, thousands of
// customers (a few VIPs with many tickets) and a year of tickets with
// seasonality (air conditioners peak in summer, water heaters in winter,
// a dip at the Spring Festival), skewed durations, parts waits, reopens
// and complaints concentrated in a few causes. The same seed and end date
// always give the same data. The master data goes through the ordinary
// services; the tickets and their timelines through one bulk load.
package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"aftersales"
)

// Name identifies the demo data set in the store.
const Name = "demo-company-v1"

// Options shape the generated company.
type Options struct {
	Seed    int64
	Tickets int
	Months  int       // history length; default 13
	End     time.Time // the generated history ends here ("now")
	Zone    *time.Location
}

// Summary counts what was generated.
type Summary struct {
	Regions, ServicePoints, Teams, Users, Products, Customers, Assets, Tickets, Events, OpenTickets int
	// TierChanges counts the customers whose tier the segment rules set.
	TierChanges int
}

// Store is what the generator writes to.
type Store interface {
	aftersales.BulkLoader
	// PlanUnplannedDays stores the plans of the technicians' days whose
	// visits came in by bulk load (sqlstore/dayplans.go).
	PlanUnplannedDays(ctx context.Context) (int, error)
}

type unitSpec struct {
	region, branch, ws string
	points             []pointSpec
	slow               float64 // >1: this workstation's area is weak
}

type pointSpec struct {
	code, name, city, province string
	lat, lng                   float64
}

var network = []unitSpec{
	{"华东大区", "上海分公司", "浦东工作站", []pointSpec{{"sh-ljz", "陆家嘴服务网点", "上海", "上海", 31.2397, 121.4998}, {"sh-zj", "张江服务网点", "上海", "上海", 31.2035, 121.5905}}, 1.0},
	{"华东大区", "上海分公司", "闵行工作站", []pointSpec{{"sh-xz", "莘庄服务网点", "上海", "上海", 31.1115, 121.3853}}, 1.0},
	{"华东大区", "杭州分公司", "西湖工作站", []pointSpec{{"hz-xh", "西湖服务网点", "杭州", "浙江", 30.2590, 120.1300}}, 0.9},
	{"华东大区", "南京分公司", "鼓楼工作站", []pointSpec{{"nj-gl", "鼓楼服务网点", "南京", "江苏", 32.0662, 118.7700}}, 1.0},
	{"华南大区", "广州分公司", "天河工作站", []pointSpec{{"gz-th", "天河服务网点", "广州", "广东", 23.1247, 113.3612}, {"gz-py", "番禺服务网点", "广州", "广东", 22.9377, 113.3842}}, 1.1},
	{"华南大区", "深圳分公司", "南山工作站", []pointSpec{{"sz-ns", "南山服务网点", "深圳", "广东", 22.5333, 113.9304}}, 1.0},
	{"华北大区", "北京分公司", "朝阳工作站", []pointSpec{{"bj-cy", "朝阳服务网点", "北京", "北京", 39.9219, 116.4431}, {"bj-hd", "海淀服务网点", "北京", "北京", 39.9593, 116.2983}}, 1.0},
	{"华北大区", "天津分公司", "和平工作站", []pointSpec{{"tj-hp", "和平服务网点", "天津", "天津", 39.1172, 117.2147}}, 1.2},
	{"西南大区", "成都分公司", "武侯工作站", []pointSpec{{"cd-wh", "武侯服务网点", "成都", "四川", 30.6424, 104.0430}}, 1.9},
	{"西南大区", "重庆分公司", "渝中工作站", []pointSpec{{"cq-yz", "渝中服务网点", "重庆", "重庆", 29.5570, 106.5690}}, 1.8},
}

// placeEN and suffixEN give the network's units and teams their English
// names: a place and what kind of unit it is.
var placeEN = map[string]string{
	"华东": "East China", "华南": "South China", "华北": "North China", "西南": "Southwest",
	"上海": "Shanghai", "杭州": "Hangzhou", "南京": "Nanjing", "广州": "Guangzhou", "深圳": "Shenzhen", "北京": "Beijing",
	"天津": "Tianjin", "成都": "Chengdu", "重庆": "Chongqing",
	"浦东": "Pudong", "闵行": "Minhang", "西湖": "West Lake", "鼓楼": "Gulou", "天河": "Tianhe", "南山": "Nanshan",
	"朝阳": "Chaoyang", "和平": "Heping", "武侯": "Wuhou", "渝中": "Yuzhong",
	"陆家嘴": "Lujiazui", "张江": "Zhangjiang", "莘庄": "Xinzhuang", "番禺": "Panyu", "海淀": "Haidian",
}

var suffixEN = []struct{ zh, en string }{
	{"大区", "Region"}, {"分公司", "Branch"}, {"工作站", "Workstation"}, {"服务网点", "Service Point"}, {"服务组", "Service Team"},
}

// nameEN is the English name of a demo unit or team named zh, or "" if
// it has none (a gap a test catches).
func nameEN(zh string) string {
	for _, s := range suffixEN {
		if place, ok := strings.CutSuffix(zh, s.zh); ok && placeEN[place] != "" {
			return placeEN[place] + " " + s.en
		}
	}
	return ""
}

type group struct {
	code, zh, en string
	share        float64
	season       [12]float64 // Jan..Dec volume factor
	faults       []string
}

var groups = []group{
	{"ac", "空调", "Air conditioners", 0.40, [12]float64{0.5, 0.45, 0.6, 0.9, 1.4, 2.3, 3.0, 2.7, 1.3, 0.8, 0.6, 0.6},
		[]string{"不制冷", "外机噪音大", "室内机漏水", "遥控器失灵", "显示E1故障代码", "制热效果差", "异味"}},
	{"washer", "洗衣机", "Washing machines", 0.20, [12]float64{1, 0.9, 1, 1, 1, 1.1, 1.2, 1.2, 1, 1, 1, 1},
		[]string{"不脱水", "滚筒异响", "底部漏水", "显示E3故障", "无法启动"}},
	{"fridge", "冰箱", "Refrigerators", 0.15, [12]float64{0.8, 0.8, 0.9, 1, 1.1, 1.3, 1.5, 1.4, 1.1, 0.9, 0.8, 0.8},
		[]string{"不制冷", "冷藏室结冰", "压缩机噪音大", "门封不严", "温度显示异常"}},
	{"heater", "热水器", "Water heaters", 0.15, [12]float64{2.5, 1.9, 1.3, 0.9, 0.6, 0.45, 0.4, 0.4, 0.6, 1.0, 1.6, 2.3},
		[]string{"不点火", "水温忽冷忽热", "机身漏水", "显示E1故障", "燃气味"}},
	{"tv", "电视", "Televisions", 0.10, [12]float64{1.2, 1.3, 1, 0.9, 0.9, 0.9, 1, 1, 0.9, 1.1, 1.2, 1.2},
		[]string{"黑屏", "无信号", "遥控无反应", "屏幕有亮线", "声音异常"}},
}

type productSpec struct {
	group, sub, subZH, subEN, model, name string
	warranty                              int
	failure                               float64 // relative failure rate
	lemonFault                            string  // the fault this model is known for
}

var products = []productSpec{
	{"ac", "ac-wall", "挂机", "Wall-mounted", "KFR-26GW/A1", "1匹壁挂式空调", 36, 1.0, ""},
	{"ac", "ac-wall", "挂机", "Wall-mounted", "KFR-35GW/N1", "1.5匹变频壁挂式空调", 36, 2.8, "外机噪音大"},
	{"ac", "ac-wall", "挂机", "Wall-mounted", "KFR-50GW/B2", "2匹壁挂式空调", 36, 1.2, ""},
	{"ac", "ac-floor", "柜机", "Floor-standing", "KFR-72LW/C1", "3匹立柜式空调", 36, 1.1, ""},
	{"ac", "ac-central", "中央空调", "Central", "MDV-280W", "家用中央空调", 60, 0.8, ""},
	{"washer", "washer-drum", "滚筒", "Front-loading", "XQG100-D1", "10公斤滚筒洗衣机", 24, 1.0, ""},
	{"washer", "washer-drum", "滚筒", "Front-loading", "XQG80-B3", "8公斤滚筒洗衣机", 24, 1.7, "滚筒异响"},
	{"washer", "washer-top", "波轮", "Top-loading", "XQB90-E2", "9公斤波轮洗衣机", 24, 0.7, ""},
	{"fridge", "fridge-multi", "多门", "Multi-door", "BCD-450WP", "450升多门冰箱", 36, 0.7, ""},
	{"fridge", "fridge-multi", "多门", "Multi-door", "BCD-520WK", "520升多门冰箱", 36, 0.9, ""},
	{"fridge", "fridge-side", "对开门", "Side-by-side", "BCD-630S", "630升对开门冰箱", 36, 0.8, ""},
	{"heater", "heater-gas", "燃气热水器", "Gas", "JSQ30-16T", "16升燃气热水器", 36, 1.3, "水温忽冷忽热"},
	{"heater", "heater-electric", "电热水器", "Electric", "ES60H-X5", "60升电热水器", 36, 0.9, ""},
	{"tv", "tv-lcd", "液晶电视", "LCD", "65Q7", "65英寸液晶电视", 24, 0.6, ""},
	{"tv", "tv-lcd", "液晶电视", "LCD", "55A5", "55英寸液晶电视", 24, 0.7, ""},
}

// complaint causes, Pareto-shaped on purpose: two causes make most of them.
var complaintCauses = []struct {
	tag    string
	weight float64
	title  string
}{
	{"上门迟到", 35, "师傅上门迟到，预约时间没人来"},
	{"重复维修", 25, "同一个问题修了两次还没修好"},
	{"配件等待过久", 15, "等配件等了一个多星期"},
	{"服务态度", 10, "客服和师傅态度差"},
	{"收费争议", 8, "保修期内还收上门费"},
	{"其他", 7, "对售后处理结果不满意"},
}

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
var givenChars = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞建国志海燕春晓晨宇浩然欣怡子涵梓轩思远佳琪雨桐俊杰文博")

type gen struct {
	r    *rand.Rand
	opt  Options
	ctx  context.Context
	s    aftersales.Services
	sum  Summary
	seq  int64
	ends time.Time
	// fixAt is when the demo's south-west improvement took effect.
	fixAt time.Time
	// cr draws service costs, apart from r so that the rest of the
	// company stays the same whether or not costs are generated.
	cr *rand.Rand
	// sr draws survey invitations and who answers them, apart from r for
	// the same reason.
	sr *rand.Rand
	// wr draws which end of the shift a repair visit of the night moves
	// to (onShift), apart from r for the same reason.
	wr *rand.Rand
}

// Load creates the demo company. ctx must act as an administrator.
func Load(ctx context.Context, s aftersales.Services, st Store, opt Options) (*Summary, error) {
	if opt.Months == 0 {
		opt.Months = 13
	}
	if opt.Zone == nil {
		opt.Zone = time.UTC
	}
	g := &gen{r: rand.New(rand.NewPCG(uint64(opt.Seed), 0x5eed)), cr: rand.New(rand.NewPCG(uint64(opt.Seed), 0xc057)),
		sr: rand.New(rand.NewPCG(uint64(opt.Seed), 0x5ea7)), wr: rand.New(rand.NewPCG(uint64(opt.Seed), 0x5417)), opt: opt, ctx: ctx, s: s}
	w, err := g.master()
	if err != nil {
		return nil, fmt.Errorf("demo: master data: %w", err)
	}
	fw, err := g.fieldMaster(w)
	if err != nil {
		return nil, fmt.Errorf("demo: field master data: %w", err)
	}
	b := g.history(w)
	g.fieldHistory(w, fw, b)
	if err := st.BulkLoad(ctx, b); err != nil {
		return nil, fmt.Errorf("demo: bulk load: %w", err)
	}
	if err := g.revenue(w, b); err != nil {
		return nil, fmt.Errorf("demo: sales revenue: %w", err)
	}
	// Reads never fold changes into the rollups; alert baselines and the
	// improvement baseline need the whole history counted, so the demo
	// does the rollup job's work first.
	if g.s.Metrics != nil {
		for {
			n, err := g.s.Metrics.RefreshRollups(ctx, 5000)
			if err != nil {
				return nil, fmt.Errorf("demo: rollups: %w", err)
			}
			if n == 0 {
				break
			}
		}
	}
	if err := g.alertRules(); err != nil {
		return nil, fmt.Errorf("demo: alert rules: %w", err)
	}
	if err := g.improvements(w, b); err != nil {
		return nil, fmt.Errorf("demo: improvement items: %w", err)
	}
	if err := g.followups(w, b, st); err != nil {
		return nil, fmt.Errorf("demo: follow-ups: %w", err)
	}
	if err := g.field(w, fw, b); err != nil {
		return nil, fmt.Errorf("demo: field service: %w", err)
	}
	// The history's visits came in by bulk load, without the day plans
	// booking them one by one stores: the past days are planned now, by
	// the product's planner, once the technicians have their profiles.
	if g.s.Visits != nil {
		if _, err := st.PlanUnplannedDays(ctx); err != nil {
			return nil, fmt.Errorf("demo: past day plans: %w", err)
		}
	}
	if err := g.complaints(); err != nil {
		return nil, fmt.Errorf("demo: complaints: %w", err)
	}
	if err := g.portalUsers(b); err != nil {
		return nil, fmt.Errorf("demo: portal users: %w", err)
	}
	if err := g.kb(); err != nil {
		return nil, fmt.Errorf("demo: knowledge base: %w", err)
	}
	// Last, so the rules see the whole history (issue #20).
	if err := g.segments(b); err != nil {
		return nil, fmt.Errorf("demo: segments: %w", err)
	}
	// The follow-ups, visits and complaints above reopen and move tickets
	// of the history: the open ones are counted as they are now.
	open := true
	page, err := s.Tickets.ListTickets(ctx, aftersales.TicketFilter{Open: &open, Count: true, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("demo: count open tickets: %w", err)
	}
	if page.Total != nil {
		g.sum.OpenTickets = int(*page.Total)
	}
	return &g.sum, nil
}

// alertRules watches the demo company the way a quality manager would:
// resolution SLA compliance under 90% in any month, and a p-chart on
// weekly first-contact resolution with the first half-year as baseline.
func (g *gen) alertRules() error {
	if g.s.Quality == nil {
		return nil
	}
	end := g.ends.In(g.opt.Zone)
	start := time.Date(end.Year(), end.Month()-time.Month(g.opt.Months)+1, 1, 0, 0, 0, 0, g.opt.Zone)
	base := start.AddDate(0, 6, 0)
	rules := []*aftersales.AlertRule{
		{KPI: "res_sla", Grain: aftersales.GrainMonth, Threshold: ptr(90.0), Active: true},
		{KPI: "fcr", Grain: aftersales.GrainWeek, Chart: "p", BaselineFrom: &start, BaselineTo: &base, Active: true},
	}
	for _, r := range rules {
		err := g.s.Quality.SaveAlertRule(g.ctx, r)
		// A short demo has too little history for a baseline: no chart then.
		if aftersales.ErrorCode(err) == aftersales.EINVALID && r.Chart != "" {
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// world is the master data the tickets refer to.
type world struct {
	groupCat   map[string]int64 // group code -> top category id
	subCat     map[string]int64
	products   []*aftersales.Product
	specs      map[int64]productSpec
	points     []*point
	agents     []*aftersales.User
	l2Team     *aftersales.Team
	complTeam  *aftersales.Team
	complaints []*aftersales.User
	deptTech   int64
	deptQA     int64
	deptAS     int64
	regions    map[string]int64 // region code -> unit id
	supervisor []*aftersales.User
	quality    []*aftersales.User
	techs      []*aftersales.User
}

type point struct {
	unit   *aftersales.ServiceUnit
	spec   pointSpec
	team   *aftersales.Team
	techs  []*tech
	slow   float64
	region int64
}

type tech struct {
	u       *aftersales.User
	speed   float64 // >1 slower
	quality float64 // chance a repair holds
}

func (g *gen) master() (*world, error) {
	ctx, s := g.ctx, g.s
	w := &world{groupCat: map[string]int64{}, subCat: map[string]int64{}, specs: map[int64]productSpec{}, regions: map[string]int64{}}
	for _, d := range []aftersales.Department{
		{Code: "after-sales", Kind: aftersales.DeptAfterSales, NameZH: "售后服务部", NameEN: "After-sales service"},
		{Code: "technical", Kind: aftersales.DeptTechnical, NameZH: "技术部", NameEN: "Technical"},
		{Code: "quality", Kind: aftersales.DeptQuality, NameZH: "质量部", NameEN: "Quality"},
		{Code: "production", Kind: aftersales.DeptProduction, NameZH: "生产部", NameEN: "Production"},
	} {
		dep, err := s.Network.CreateDepartment(ctx, d)
		if err != nil {
			return nil, err
		}
		switch d.Kind {
		case aftersales.DeptAfterSales:
			w.deptAS = dep.ID
		case aftersales.DeptTechnical:
			w.deptTech = dep.ID
		case aftersales.DeptQuality:
			w.deptQA = dep.ID
		}
	}
	for _, gr := range groups {
		c, err := s.Catalog.CreateCategory(ctx, aftersales.CategoryInput{Code: gr.code, NameZH: gr.zh, NameEN: gr.en})
		if err != nil {
			return nil, err
		}
		w.groupCat[gr.code] = c.ID
	}
	for _, p := range products {
		if _, ok := w.subCat[p.sub]; !ok {
			parent := w.groupCat[p.group]
			c, err := s.Catalog.CreateCategory(ctx, aftersales.CategoryInput{ParentID: &parent, Code: p.sub, NameZH: p.subZH, NameEN: p.subEN})
			if err != nil {
				return nil, err
			}
			w.subCat[p.sub] = c.ID
		}
		pr, err := s.Catalog.CreateProduct(ctx, aftersales.ProductInput{CategoryID: w.subCat[p.sub], Model: p.model, Name: p.name, Brand: "海岳", WarrantyMonths: p.warranty})
		if err != nil {
			return nil, err
		}
		w.products = append(w.products, pr)
		w.specs[pr.ID] = p
		g.sum.Products++
	}
	units := map[string]*aftersales.ServiceUnit{}
	unit := func(kind aftersales.UnitKind, code, name string, parent *aftersales.ServiceUnit, addr aftersales.Address) (*aftersales.ServiceUnit, error) {
		if u, ok := units[code]; ok {
			return u, nil
		}
		in := aftersales.ServiceUnitInput{Kind: kind, Code: code, Name: name, NameEN: nameEN(name), Address: addr}
		if kind == aftersales.UnitServicePoint {
			// New tickets go to the nearest point within 30 km of the customer.
			in.Coverage = aftersales.Coverage{RadiusKM: 30}
		}
		if parent != nil {
			in.ParentID = &parent.ID
		}
		u, err := s.Network.CreateServiceUnit(ctx, in)
		if err == nil {
			units[code] = u
		}
		return u, err
	}
	regionCodes := map[string]string{"华东大区": "east", "华南大区": "south", "华北大区": "north", "西南大区": "southwest"}
	techNo := 0
	for wi, ns := range network {
		reg, err := unit(aftersales.UnitRegion, regionCodes[ns.region], ns.region, nil, aftersales.Address{})
		if err != nil {
			return nil, err
		}
		w.regions[regionCodes[ns.region]] = reg.ID
		p0 := ns.points[0]
		br, err := unit(aftersales.UnitBranch, p0.code[:2], ns.branch, reg, aftersales.Address{Province: p0.province, City: p0.city})
		if err != nil {
			return nil, err
		}
		ws, err := unit(aftersales.UnitWorkstation, fmt.Sprintf("%s-ws%d", p0.code[:2], wi), ns.ws, br, aftersales.Address{Province: p0.province, City: p0.city})
		if err != nil {
			return nil, err
		}
		teamName := strings.TrimSuffix(ns.ws, "工作站") + "服务组"
		team, err := s.Network.CreateTeam(ctx, aftersales.TeamInput{Code: fmt.Sprintf("team-%s", p0.code), Name: teamName, NameEN: nameEN(teamName),
			ServiceUnitID: &ws.ID, DepartmentID: &w.deptAS, Strategy: aftersales.StrategyLeastLoad, Capacity: 8})
		if err != nil {
			return nil, err
		}
		g.sum.Teams++
		var techs []*tech
		for k := range 4 {
			techNo++
			skills := g.skills(w, k)
			u, err := s.Users.CreateUser(ctx, aftersales.UserInput{Email: fmt.Sprintf("tech%02d@demo.example.com", techNo), Name: g.person() + "师傅",
				Role: aftersales.RoleTechnician, TeamID: &team.ID, ServiceUnitID: &ws.ID, Password: "demo-password-1", Skills: skills, Phone: g.phone()})
			if err != nil {
				return nil, err
			}
			g.sum.Users++
			speed := math.Exp(g.r.NormFloat64()*0.25) * ns.slow
			techs = append(techs, &tech{u: u, speed: speed, quality: math.Min(0.99, 0.97-0.04*(speed-1))})
			w.techs = append(w.techs, u)
		}
		for _, ps := range ns.points {
			lat, lng := ps.lat, ps.lng
			sp, err := unit(aftersales.UnitServicePoint, ps.code, ps.name, ws, aftersales.Address{Province: ps.province, City: ps.city, Lat: &lat, Lng: &lng})
			if err != nil {
				return nil, err
			}
			g.sum.ServicePoints++
			w.points = append(w.points, &point{unit: sp, spec: ps, team: team, techs: techs, slow: ns.slow, region: reg.ID})
		}
	}
	g.sum.Regions = countKind(units, aftersales.UnitRegion)
	var err error
	if w.l2Team, err = s.Network.CreateTeam(ctx, aftersales.TeamInput{Code: "l2-tech", Name: "二线技术支持组", NameEN: "Tier-2 Technical Support", DepartmentID: &w.deptTech}); err != nil {
		return nil, err
	}
	if w.complTeam, err = s.Network.CreateTeam(ctx, aftersales.TeamInput{Code: "complaints", Name: "投诉处理组", NameEN: "Complaints Team", DepartmentID: &w.deptAS}); err != nil {
		return nil, err
	}
	g.sum.Teams += 2
	staff := []struct {
		n    int
		role aftersales.Role
		team *aftersales.Team
		pre  string
	}{{8, aftersales.RoleAgent, nil, "agent"}, {3, aftersales.RoleAgent, w.complTeam, "complaints"}, {4, aftersales.RoleSupervisor, nil, "supervisor"},
		{2, aftersales.RoleQuality, nil, "quality"}, {2, aftersales.RoleTechnician, w.l2Team, "l2tech"}}
	for _, st := range staff {
		for i := range st.n {
			in := aftersales.UserInput{Email: fmt.Sprintf("%s%02d@demo.example.com", st.pre, i+1), Name: g.person(), Role: st.role,
				Password: "demo-password-1", Phone: g.phone()}
			if st.team != nil {
				in.TeamID = &st.team.ID
			}
			if st.role == aftersales.RoleQuality {
				in.DepartmentID = &w.deptQA
			}
			u, err := s.Users.CreateUser(ctx, in)
			if err != nil {
				return nil, err
			}
			g.sum.Users++
			switch {
			case st.pre == "agent":
				w.agents = append(w.agents, u)
			case st.pre == "complaints":
				w.complaints = append(w.complaints, u)
			case st.pre == "supervisor":
				w.supervisor = append(w.supervisor, u)
			case st.pre == "quality":
				w.quality = append(w.quality, u)
			}
		}
	}
	if err := g.slaSetup(); err != nil {
		return nil, err
	}
	if _, err := s.Settings.CreateCustomField(ctx, aftersales.CustomField{Key: "fault_code", LabelZH: "故障代码", LabelEN: "Fault code",
		Type: aftersales.FieldSelect, Options: []string{"E1", "E2", "E3", "E4", "F0"}}); err != nil {
		return nil, err
	}
	if _, err := s.Settings.CreateCustomField(ctx, aftersales.CustomField{Key: "visit_count", LabelZH: "上门次数", LabelEN: "Visits",
		Type: aftersales.FieldNumber}); err != nil {
		return nil, err
	}
	return w, nil
}

func countKind(units map[string]*aftersales.ServiceUnit, k aftersales.UnitKind) int {
	n := 0
	for _, u := range units {
		if u.Kind == k {
			n++
		}
	}
	return n
}

// skills gives each technician two or three categories, at uneven levels.
func (g *gen) skills(w *world, k int) []aftersales.Skill {
	var out []aftersales.Skill
	for i, gr := range groups {
		if (i+k)%2 == 0 || i == k%len(groups) {
			out = append(out, aftersales.Skill{CategoryID: w.groupCat[gr.code], Level: 1 + g.r.IntN(5)})
		}
	}
	return out
}

func (g *gen) person() string {
	name := string(surnames[g.r.IntN(len(surnames))]) + string(givenChars[g.r.IntN(len(givenChars))])
	if g.r.IntN(2) == 0 {
		name += string(givenChars[g.r.IntN(len(givenChars))])
	}
	return name
}

func (g *gen) phone() string {
	prefixes := []string{"138", "139", "135", "186", "158", "177", "150", "189"}
	return prefixes[g.r.IntN(len(prefixes))] + fmt.Sprintf("%08d", g.r.IntN(100_000_000))
}

// lognormal returns a duration whose median is med, spread sigma.
func (g *gen) lognormal(med time.Duration, sigma float64) time.Duration {
	return time.Duration(float64(med) * math.Exp(g.r.NormFloat64()*sigma))
}

// weighted picks an index by weight from a cumulative table.
func (g *gen) weighted(cum []float64) int {
	x := g.r.Float64() * cum[len(cum)-1]
	return sort.SearchFloat64s(cum, x)
}

func cumulative(ws []float64) []float64 {
	out := make([]float64, len(ws))
	sum := 0.0
	for i, w := range ws {
		sum += w
		out[i] = sum
	}
	return out
}

// slaSetup gives the demo company a six-day service calendar with the
// public holidays and make-up days of 2025-2026, and its SLA policies.
func (g *gen) slaSetup() error {
	day := []aftersales.TimeRange{{Start: "08:30", End: "12:00"}, {Start: "13:30", End: "18:00"}}
	var holidays []aftersales.Date
	for _, r := range [][2]string{{"2025-10-01", "2025-10-08"}, {"2026-01-01", "2026-01-03"}, {"2026-02-15", "2026-02-23"},
		{"2026-04-04", "2026-04-06"}, {"2026-05-01", "2026-05-05"}, {"2026-06-19", "2026-06-21"}, {"2026-10-01", "2026-10-07"}} {
		from, _ := time.Parse(time.DateOnly, r[0])
		to, _ := time.Parse(time.DateOnly, r[1])
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			holidays = append(holidays, aftersales.DateOf(d))
		}
	}
	cal, err := g.s.SLA.CreateCalendar(g.ctx, aftersales.BusinessCalendar{Code: "service-6day", Name: "售后服务时间（周一至周六）",
		TimeZone: g.opt.Zone.String(), Holidays: holidays,
		Week: map[string][]aftersales.TimeRange{"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day},
		Workdays: []aftersales.MakeupDay{{Date: "2025-09-28", As: "mon"}, {Date: "2026-02-14", As: "mon"}, {Date: "2026-02-28", As: "mon"},
			{Date: "2026-10-10", As: "mon"}}})
	if err != nil {
		return err
	}
	warn := []float64{0.75, 0.9}
	for _, p := range []aftersales.SLAPolicy{
		{Name: "特急工单", Priority: 10, Conditions: aftersales.SLAConditions{Urgency: []aftersales.Urgency{aftersales.UrgencyUrgent}}, FirstResponseMin: 15, ResolutionMin: 8 * 60, ArrivalMin: 4 * 60},
		{Name: "客户投诉", Priority: 20, Conditions: aftersales.SLAConditions{Nature: []aftersales.Nature{aftersales.NatureComplaint}}, FirstResponseMin: 30, ResolutionMin: 16 * 60},
		{Name: "VIP客户", Priority: 30, Conditions: aftersales.SLAConditions{Tier: []string{aftersales.TierVIP}}, FirstResponseMin: 30, ResolutionMin: 16 * 60, ArrivalMin: 8 * 60, NextResponseMin: 60},
		{Name: "预约安装", Priority: 40, Conditions: aftersales.SLAConditions{Nature: []aftersales.Nature{aftersales.NatureInstallation}}, FirstResponseMin: 120, ResolutionMin: 24 * 60},
		{Name: "咨询", Priority: 50, Conditions: aftersales.SLAConditions{Nature: []aftersales.Nature{aftersales.NatureConsultation}}, FirstResponseMin: 60, ResolutionMin: 4 * 60},
		{Name: "标准维修", Priority: 100, FirstResponseMin: 60, ResolutionMin: 24 * 60, ArrivalMin: 16 * 60, NextResponseMin: 120},
	} {
		p.Active, p.CalendarID, p.WarnAt = true, &cal.ID, warn
		if _, err := g.s.SLA.CreatePolicy(g.ctx, p); err != nil {
			return err
		}
	}
	return nil
}
