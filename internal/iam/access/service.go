package access

import "github.com/gatehouse/gatehouse/internal/iam/core"

// Service is the decision use cases.
type Service struct {
	*core.Kernel
	// Decisions replays check answers while they are current
	// (decision_cache.go); nil when turned off.
	Decisions *DecisionCache
}

// New builds the decision service; its cache is sized by
// k.Config.DecisionCacheSize.
func New(k *core.Kernel) *Service {
	s := &Service{Kernel: k, Decisions: NewDecisionCache(k.Config.DecisionCacheSize)}
	if s.Decisions != nil {
		k.OnFlush(s.Decisions.entries.Clear)
	}
	return s
}
