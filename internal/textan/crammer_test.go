package textan

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomDocs returns n unit-length sparse vectors over dims buckets in K
// classes, each class favouring its own buckets, with label noise so the
// problem is not separable.
func randomDocs(n, K, dims int, seed uint64) ([]Sparse, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	docs := make([]Sparse, n)
	y := make([]int, n)
	for i := range docs {
		c := rng.IntN(K)
		y[i] = c
		if rng.Float64() < 0.15 {
			y[i] = rng.IntN(K)
		}
		vals := map[uint32]float32{}
		for range 8 {
			j := uint32(rng.IntN(dims))
			if rng.Float64() < 0.5 {
				j = uint32(c*(dims/K) + rng.IntN(dims/K))
			}
			vals[j] += float32(rng.Float64())
		}
		var v Sparse
		for j := range uint32(dims) {
			if x, ok := vals[j]; ok {
				v.Idx = append(v.Idx, j)
				v.Val = append(v.Val, x)
			}
		}
		var norm float64
		for _, x := range v.Val {
			norm += float64(x) * float64(x)
		}
		for k := range v.Val {
			v.Val[k] /= float32(math.Sqrt(norm))
		}
		docs[i] = v
	}
	return docs, y
}

// TestCrammerSingerDualityGap checks the solver against the problem it
// solves: its primal objective ½‖W‖² + C Σ_i max_k(e_ik + w_k·x_i −
// w_{y_i}·x_i) and the dual objective of its variables meet within the
// stopping tolerance, the dual variables are feasible, and with two classes
// the two weight vectors are each other's negation (the one binary SVM).
func TestCrammerSingerDualityGap(t *testing.T) {
	for _, tt := range []struct {
		name    string
		n, K    int
		C       float64
		maxRel  float64
		epochs  int
		seed    uint64
		feature int
	}{
		{"4 classes, C=1", 300, 4, 1, 0.02, 50, 1, 64},
		{"4 classes, C=10", 300, 4, 10, 0.02, 200, 2, 64},
		{"2 classes, C=1", 200, 2, 1, 0.02, 50, 3, 32},
	} {
		t.Run(tt.name, func(t *testing.T) {
			docs, y := randomDocs(tt.n, tt.K, tt.feature, tt.seed)
			cfg := DefaultTrainConfig()
			cfg.C, cfg.Epochs = tt.C, tt.epochs
			w, b, alpha := crammerSinger(docs, y, tt.K, tt.feature, cfg)
			K := tt.K
			var norm2 float64
			for _, x := range w {
				norm2 += x * x
			}
			for _, x := range b {
				norm2 += x * x
			}
			primal, dual := 0.5*norm2, -0.5*norm2
			for i, v := range docs {
				s := slices64(b)
				for t2, j := range v.Idx {
					for k := range K {
						s[k] += w[int(j)*K+k] * float64(v.Val[t2])
					}
				}
				var loss, sum float64
				for k := range K {
					e := 1.0
					if k == y[i] {
						e = 0
					}
					loss = max(loss, e+s[k]-s[y[i]])
					a := alpha[i*K+k]
					sum += a
					if k == y[i] && a > tt.C+1e-9 || k != y[i] && a > 1e-9 {
						t.Fatalf("text %d class %d: alpha %v out of its bound", i, k, a)
					}
					dual -= e * a
				}
				if math.Abs(sum) > 1e-9 {
					t.Fatalf("text %d: alphas sum to %v", i, sum)
				}
				primal += tt.C * loss
			}
			gap := (primal - dual) / primal
			t.Logf("primal %.4f dual %.4f relative gap %.2g", primal, dual, gap)
			if gap < -1e-9 || gap > tt.maxRel {
				t.Errorf("relative duality gap %.3g, want in [0, %v]", gap, tt.maxRel)
			}
			if K == 2 {
				for j := 0; j < len(w); j += 2 {
					if math.Abs(w[j]+w[j+1]) > 1e-9 {
						t.Fatalf("bucket %d: weights %v and %v are not opposite", j/2, w[j], w[j+1])
					}
				}
			}
		})
	}
}

func slices64(b []float64) []float64 { return append([]float64(nil), b...) }
