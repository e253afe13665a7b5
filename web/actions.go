package web

import (
	"net/http"
	"strconv"
)

// handleDeleteOne handles POST /message/{uid}/delete: DELE, back to the
// inbox with "Message deleted. Undo".
func (s *Server) handleDeleteOne(w http.ResponseWriter, r *http.Request) {
	if err := sessionFrom(r).Delete(r.Context(), uidParam(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, s.url("?done=deleted&n=1"), http.StatusSeeOther)
}

// handleDelete handles POST /delete: DELE of every checked row (fields
// "uid", repeated).
func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, errBadForm)
		return
	}
	uids := r.PostForm["uid"]
	if len(uids) == 0 {
		http.Redirect(w, r, s.url("?done=none"), http.StatusSeeOther)
		return
	}
	if err := sessionFrom(r).Delete(r.Context(), uids...); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, s.url("?done=deleted&n="+strconv.Itoa(len(uids))), http.StatusSeeOther)
}

// handleUndo handles POST /undo: RSET, every pending deletion undone.
func (s *Server) handleUndo(w http.ResponseWriter, r *http.Request) {
	if err := sessionFrom(r).Undo(r.Context()); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, s.url("?done=undone"), http.StatusSeeOther)
}

// handleRefresh handles POST /refresh: a new snapshot on a new connection;
// pending deletions are kept.
func (s *Server) handleRefresh(w http.ResponseWriter, r *http.Request) {
	if err := sessionFrom(r).Refresh(r.Context()); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, s.url("?done=refreshed"), http.StatusSeeOther)
}
