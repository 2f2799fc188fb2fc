package textan

import (
	"math"
	"math/rand/v2"
	"slices"
)

// fitCrammerSinger trains one multiclass linear SVM (Crammer and Singer,
// 2001): the true class's score must beat every other class's by a margin
// of 1, one slack per text, all classes in one problem rather than each
// against the rest. It is solved by the sequential dual method of Keerthi et
// al. (KDD 2008), as LIBLINEAR's -s 4: each text's K dual variables are
// optimised together in closed form, texts in a seeded random order, until
// the largest violation of the optimality conditions in a pass is under 0.1
// or after Epochs passes. The bias is a constant feature of 1.
func fitCrammerSinger(m *Model, docs []Sparse, y []int, cfg TrainConfig) {
	w, b, _ := crammerSinger(docs, y, len(m.Classes), len(m.idf), cfg)
	for j, x := range w {
		m.w[j] = float32(x)
	}
	for k, x := range b {
		m.bias[k] = float32(x)
	}
}

// crammerSinger returns the weights (bucket-major, w[j*K+k]) and biases of
// the multiclass SVM over dims buckets, and the dual variables (alpha[i*K+k],
// at most C for the text's class and 0 for the others, summing to 0 per text).
func crammerSinger(docs []Sparse, y []int, K, dims int, cfg TrainConfig) (w, b, alpha []float64) {
	if K == 2 {
		return crammerSinger2(docs, y, dims, cfg)
	}
	n := len(docs)
	C := cfg.C
	w = make([]float64, dims*K)
	b = make([]float64, K)
	alpha = make([]float64, n*K)
	qii := make([]float64, n)
	for i, v := range docs {
		q := 1.0 // the bias feature
		for _, x := range v.Val {
			q += float64(x) * float64(x)
		}
		qii[i] = q
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6373)) // "cs"
	G := make([]float64, K)
	B := make([]float64, K)
	D := make([]float64, K)
	next := make([]float64, K)
	for range cfg.Epochs {
		rng.Shuffle(n, func(a, c int) { order[a], order[c] = order[c], order[a] })
		worst := 0.0
		for _, i := range order {
			v, yi, a := docs[i], y[i], alpha[i*K:i*K+K]
			for k := range K {
				G[k] = b[k] + 1
			}
			G[yi] -= 1
			for t, j := range v.Idx {
				x := float64(v.Val[t])
				row := w[int(j)*K : int(j)*K+K]
				for k := range K {
					G[k] += row[k] * x
				}
			}
			// The optimality conditions: the gradient is equal over the
			// classes whose variable is off its upper bound.
			minG, maxG := math.Inf(1), math.Inf(-1)
			for k := range K {
				if a[k] < 0 && G[k] < minG {
					minG = G[k]
				}
				maxG = max(maxG, G[k])
			}
			if a[yi] < C && G[yi] < minG {
				minG = G[yi]
			}
			if maxG-minG <= 1e-12 {
				continue
			}
			worst = max(worst, maxG-minG)
			// The subproblem: minimise ½A‖α‖² + B·α subject to α_k ≤ C_k
			// (C for the true class, 0 for the others) and Σα = 0.
			A := qii[i]
			for k := range K {
				B[k] = G[k] - A*a[k]
				D[k] = B[k]
			}
			D[yi] += A * C
			slices.SortFunc(D, func(p, q float64) int {
				switch {
				case p > q:
					return -1
				case p < q:
					return 1
				}
				return 0
			})
			beta := D[0] - A*C
			r := 1
			for ; r < K && beta < float64(r)*D[r]; r++ {
				beta += D[r]
			}
			beta /= float64(r)
			for k := range K {
				up := 0.0
				if k == yi {
					up = C
				}
				next[k] = min(up, (beta-B[k])/A)
			}
			for k := range K {
				d := next[k] - a[k]
				if d == 0 {
					continue
				}
				a[k] = next[k]
				b[k] += d
				for t, j := range v.Idx {
					w[int(j)*K+k] += d * float64(v.Val[t])
				}
			}
		}
		if worst < 0.1 {
			break
		}
	}
	return w, b, alpha
}

// crammerSinger2 is crammerSinger for two classes, where the problem is one
// binary SVM: the dual variables of a text sum to 0, so w₀ = −w₁, and with
// u = 2w₁ the problem is ½‖u‖² + 2C Σ_i max(0, 1 − ±u·x_i), the plain hinge
// loss (LIBLINEAR's -s 3) at cost 2C, solved by dual coordinate descent
// (Hsieh et al., ICML 2008) with one variable per text instead of two.
func crammerSinger2(docs []Sparse, y []int, dims int, cfg TrainConfig) (w, b, alpha []float64) {
	n := len(docs)
	U := 2 * cfg.C
	qii := make([]float64, n)
	for i, v := range docs {
		q := 1.0 // the bias feature
		for _, x := range v.Val {
			q += float64(x) * float64(x)
		}
		qii[i] = q
	}
	beta := make([]float64, n)
	u := make([]float64, dims)
	var ub float64
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6373)) // "cs"
	for range cfg.Epochs {
		rng.Shuffle(n, func(a, c int) { order[a], order[c] = order[c], order[a] })
		maxPG, minPG := math.Inf(-1), math.Inf(1)
		for _, i := range order {
			yi := -1.0
			if y[i] == 1 {
				yi = 1
			}
			v := docs[i]
			dot := ub
			for t, j := range v.Idx {
				dot += u[j] * float64(v.Val[t])
			}
			g := yi*dot - 1
			pg := g
			switch beta[i] {
			case 0:
				pg = min(g, 0)
			case U:
				pg = max(g, 0)
			}
			maxPG, minPG = max(maxPG, pg), min(minPG, pg)
			if pg == 0 {
				continue
			}
			old := beta[i]
			beta[i] = min(max(old-g/qii[i], 0), U)
			d := (beta[i] - old) * yi
			for t, j := range v.Idx {
				u[j] += d * float64(v.Val[t])
			}
			ub += d
		}
		if maxPG-minPG < 0.1 {
			break
		}
	}
	w = make([]float64, 2*dims)
	for j, x := range u {
		w[2*j], w[2*j+1] = -x/2, x/2
	}
	alpha = make([]float64, 2*n)
	for i, a := range beta {
		alpha[2*i+y[i]], alpha[2*i+1-y[i]] = a/2, -a/2
	}
	return w, []float64{-ub / 2, ub / 2}, alpha
}
