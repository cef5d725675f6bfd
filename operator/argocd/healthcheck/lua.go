package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Health is what a health.lua returns, as Argo CD reads it.
type Health struct {
	Status  string `yaml:"status" json:"status"`
	Message string `yaml:"message" json:"message"`
}

// The statuses Argo CD accepts from a health script; anything else becomes Unknown there.
var validStatus = map[string]bool{
	"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true, "Unknown": true,
}

// evalHealth runs script with obj as the global `obj`, as Argo CD's util/lua VM does for a check
// from argocd-cm (useOpenLibs false): package, base, table and a restricted os library only, so a
// script that calls string.* works in Argo CD's own tests (which open all libraries) but fails in
// a real installation - here it fails too.
func evalHealth(script string, obj map[string]any) (Health, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return Health{}, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return Health{}, err
	}
	ret := l.Get(-1)
	table, ok := ret.(*lua.LTable)
	if !ok {
		return Health{}, fmt.Errorf("expected the script to return a table, got %s", ret.Type())
	}
	h := Health{Status: luaString(table.RawGetString("status")), Message: luaString(table.RawGetString("message"))}
	if !validStatus[h.Status] {
		return h, errors.New("invalid health status " + fmt.Sprintf("%q", h.Status) + " (Argo CD would show Unknown)")
	}
	return h, nil
}

func luaString(v lua.LValue) string {
	if v == lua.LNil {
		return ""
	}
	return v.String()
}

// toLua converts a decoded object the way Argo CD's decodeValue does: numbers become Lua
// numbers, lists become sequences, maps become tables, null becomes nil.
func toLua(l *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case float64:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case int:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case bool:
		return lua.LBool(v)
	case []any:
		t := l.CreateTable(len(v), 0)
		for _, item := range v {
			t.Append(toLua(l, item))
		}
		return t
	case map[string]any:
		t := l.CreateTable(0, len(v))
		for key, item := range v {
			t.RawSetH(lua.LString(key), toLua(l, item))
		}
		return t
	}
	return lua.LNil
}
