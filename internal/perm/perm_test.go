package perm

import (
	"errors"
	"slices"
	"testing"
)

func TestIdentifiersRoundTripExactly(t *testing.T) {
	for _, s := range []string{
		"global:manage_users:allow_all",
		"global:super_admin:allow_all",
		"global:edit_default_branch:deny",
		"object:Builtin:Tag:update:deny",
		"object:*:*:view:allow_all",
		"object:*:Generic:view:allow_other",
		"object:Core:Deployment:any:allow_default",
	} {
		p, err := Parse(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if p.String() != s {
			t.Errorf("round trip %s -> %s", s, p.String())
		}
	}
}

func TestMalformedIdentifiersSayWhy(t *testing.T) {
	for _, s := range []string{
		"object:*:view", "global:x:maybe", "global:manage_users:maybe", "global::allow_all",
		"object:*:*:fly:allow_all", "object:builtin:Tag:view:deny", "object:Builtin:Tag:view:",
		"object:Bu-iltin:Tag:view:deny", "role:x:y", "", ":::", "object:*:*:view:allow_all:extra",
		"global:manage_users:allow_all\x00",
	} {
		_, err := Parse(s)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Reason == "" {
			t.Errorf("%q: want a ParseError, got %v", s, err)
		}
	}
}

func TestSpecificityIsInfrahubs(t *testing.T) {
	cases := map[string]int{
		"object:*:*:any:allow_all":          0,
		"object:*:*:any:deny":               1,
		"object:*:*:view:allow_all":         1,
		"object:Builtin:Tag:any:allow_all":  2,
		"object:Builtin:Tag:update:deny":    4,
		"object:*:Generic:view:allow_other": 2,
	}
	for s, want := range cases {
		p, _ := Parse(s)
		if got := p.Specificity(); got != want {
			t.Errorf("%s: specificity %d, want %d", s, got, want)
		}
	}
}

func TestKindRelationsMaterialiseMatchingKindsOnly(t *testing.T) {
	p, _ := Parse("object:*:Generic:view:allow_all")
	if got := p.KindRelations(Kind{"Location", "Generic"}); !slices.Equal(got, []string{"view_def_l2", "view_oth_l2"}) {
		t.Errorf("LocationGeneric: %v", got)
	}
	if got := p.KindRelations(Kind{"Dcim", "GenericDevice"}); got != nil {
		t.Errorf("DcimGenericDevice matched: %v", got)
	}
	deny, _ := Parse("object:*:*:any:deny")
	if got := deny.KindRelations(Kind{"Builtin", "Tag"}); !slices.Equal(got, []string{"view_deny_l1", "create_deny_l1", "update_deny_l1", "delete_deny_l1"}) {
		t.Errorf("any deny: %v", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"global:manage_users:allow_all", "object:*:*:view:allow_all", "object:A:B:any:deny", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		if p.String() != s {
			t.Fatalf("accepted %q but prints %q", s, p.String())
		}
		q, err := Parse(p.String())
		if err != nil || q != p {
			t.Fatalf("re-parse of %q: %v %v", s, q, err)
		}
	})
}
