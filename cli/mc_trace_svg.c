/*
 * mc_trace_svg.c — a trace as a flow picture (`trace --format svg`), in
 * the manner of a Sankey diagram, for a controller's browser.
 *
 * Columns, left to right: the payer (holding the grant's pool), then the
 * parties by how many payouts away from the payer they are, and at the
 * right where the money ended: spent (one box per party and activity),
 * repaid (to whom), carried out, and still held. Every party is a bar as
 * tall as the money that passed through it; every flow is a band as wide
 * as its amount, so a band's width can be compared with any other's.
 * Money that came to a party from outside the chain (carried in from
 * another grant, repayments got back) enters as a short band from the
 * left with its own label. Because each party balances (rules.md), the
 * bands leaving a bar fill it exactly as the bands arriving do.
 *
 * The payer's bar is only what left it. What it still holds of its pool
 * is said in its label ("keeps … (not drawn)"), not drawn: a national
 * grant's pool is thousands of times what one county's chain received,
 * and drawing it would shrink the chain to hairlines. What others repaid
 * to the payer is drawn once, as "repaid → payer" at the right.
 *
 * Labels: every bar and box carries its amount in kronor
 * (ml_money_format), as text of class "amount" with data-kind "party",
 * "sink", "source" or "kept", so a reader (or a test) can check that the
 * sinks and what the payer keeps add up to the pool plus what entered
 * from outside. Text is escaped
 * (mc_xml_text); activity names are cut to 56 columns. Sizes: the tallest
 * column is drawn 560 px high, each bar at least 1.5 px and each row at
 * least 20 px so labels never overlap; the canvas grows to fit.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_money.h"

#include "mc_text.h"
#include "mc_trace.h"

#define MC_SVG_WIDTH_PX     1500.0
#define MC_SVG_TOP_PX       84.0
#define MC_SVG_LEFT_PX      40.0
#define MC_SVG_LABELS_PX    540.0
#define MC_SVG_BAR_PX       14.0
#define MC_SVG_TALLEST_PX   560.0
#define MC_SVG_ROW_PX       20.0
#define MC_SVG_PARTY_ROW_PX 32.0
#define MC_SVG_GAP_PX       8.0
#define MC_SVG_LABEL_COLS   44

enum mc_box_kind {
	MC_BOX_PARTY,
	MC_BOX_SPENT,
	MC_BOX_REPAID,
	MC_BOX_CARRIED_OUT,
	MC_BOX_HELD
};

struct mc_box {
	enum mc_box_kind kind;
	size_t node;    /* the party (for a sink: the one it comes from) */
	size_t ref;     /* activity or edge index */
	int col;        /* 0 = the payer's … cols − 1 = the sinks */
	int64_t ore;    /* the money it stands for */
	double key;     /* order within the column */
	double x, y, h; /* px: left, top, height */
	double in_px, out_px; /* px of band already attached on each side */
};

struct mc_svg {
	const struct mc_trace *t;
	FILE *f;
	struct mc_box *boxes;
	size_t n_boxes, n_sinks;
	size_t *party_box; /* node → box, or SIZE_MAX */
	int cols;
	double scale; /* px per öre */
	double height;
};

/* The money a party passes on, which sets its bar's height. */
/* What the payer still holds of its pool (beyond repayments it got
 * back): money that never entered the chain drawn here. */
static int64_t mc_svg_kept(const struct mc_trace *t)
{
	if (t->payer >= t->n_nodes)
		return 0;
	const int64_t *f = t->nodes[t->payer].fig;
	int64_t kept = f[MC_N_HELD] - f[MC_N_RETURNED];
	return kept > 0 ? kept : 0;
}

/* The money a party passes on, which sets its bar's height. The payer's
 * bar is only what left it: a national grant's pool is thousands of
 * times what one county's chain received, and drawing all of it would
 * shrink the chain to hairlines; what it keeps is said in its label. */
static int64_t mc_svg_through(const struct mc_trace *t, size_t i)
{
	const int64_t *f = t->nodes[i].fig;
	int64_t out = f[MC_N_PAID_OUT] + f[MC_N_SPENT] + f[MC_N_REPAID] +
	              f[MC_N_CARRIED_OUT];
	if (i == t->payer)
		return out;
	out += f[MC_N_HELD] > 0 ? f[MC_N_HELD] : 0;
	int64_t in =
	    mc_trace_inflow(t, i) + f[MC_N_CARRIED_IN] + f[MC_N_RETURNED];
	return out > in ? out : in;
}

static void mc_svg_add(struct mc_svg *s, enum mc_box_kind kind, size_t node,
                       size_t ref, int64_t ore)
{
	if (ore <= 0)
		return;
	struct mc_box *b = &s->boxes[s->n_boxes++];
	memset(b, 0, sizeof *b);
	b->kind = kind;
	b->node = node;
	b->ref = ref;
	b->ore = ore;
	b->col = kind == MC_BOX_PARTY ? s->t->nodes[node].depth : s->cols - 1;
	s->n_sinks += kind != MC_BOX_PARTY;
}

/* A party's sinks: activities, repayments, carried out, held. */
static void mc_svg_sinks(struct mc_svg *s, size_t i)
{
	const struct mc_trace *t = s->t;
	const struct mc_trace_node *n = &t->nodes[i];
	for (size_t a = 0; a < n->n_acts; a++)
		mc_svg_add(s, MC_BOX_SPENT, i, a, n->acts[a].amount_ore);
	for (size_t e = 0; e < t->n_edges; e++)
		if (t->edges[e].from == i && t->edges[e].repayment)
			mc_svg_add(s, MC_BOX_REPAID, i, e,
			           t->edges[e].amount_ore);
	mc_svg_add(s, MC_BOX_CARRIED_OUT, i, 0, n->fig[MC_N_CARRIED_OUT]);
	if (i != t->payer)
		mc_svg_add(s, MC_BOX_HELD, i, 0, n->fig[MC_N_HELD]);
}

static int mc_cmp_box(const void *a, const void *b)
{
	const struct mc_box *x = a, *y = b;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->ore != y->ore)
		return x->ore > y->ore ? -1 : 1;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return x->ref < y->ref ? -1 : x->ref > y->ref;
}

/* Sorts the boxes and renumbers party_box. */
static void mc_svg_sort(struct mc_svg *s)
{
	qsort(s->boxes, s->n_boxes, sizeof *s->boxes, mc_cmp_box);
	for (size_t i = 0; i < s->n_boxes; i++)
		if (s->boxes[i].kind == MC_BOX_PARTY)
			s->party_box[s->boxes[i].node] = i;
}

/* The key of a party in column c: the payer first, then each party after
 * the highest party (already placed, in an earlier column) that pays
 * it, parties nobody pays last. */
static double mc_svg_party_key(const struct mc_svg *s, const struct mc_box *b,
                               int c)
{
	const struct mc_trace *t = s->t;
	double key = b->node == t->payer ? -1.0 : 1e12;
	for (size_t e = 0; e < t->n_edges; e++) {
		const struct mc_trace_edge *x = &t->edges[e];
		size_t from = s->party_box[x->from];
		if (x->to != b->node || x->repayment || from == SIZE_MAX ||
		    s->boxes[from].col >= c)
			continue;
		double y = s->boxes[from].y + s->boxes[from].h / 2;
		key = y < key ? y : key;
	}
	return key;
}

/* Places column c's boxes top down, in their sorted order. */
static void mc_svg_place_column(struct mc_svg *s, int c)
{
	double span =
	    MC_SVG_WIDTH_PX - MC_SVG_LEFT_PX - MC_SVG_LABELS_PX - MC_SVG_BAR_PX;
	double y = MC_SVG_TOP_PX;
	for (size_t i = 0; i < s->n_boxes; i++) {
		struct mc_box *b = &s->boxes[i];
		if (b->col != c)
			continue;
		double h = (double)b->ore * s->scale;
		double min = b->kind == MC_BOX_PARTY ? MC_SVG_PARTY_ROW_PX
		                                     : MC_SVG_ROW_PX;
		b->h = h < 1.5 ? 1.5 : h;
		double row = b->h > min ? b->h : min;
		b->x = MC_SVG_LEFT_PX +
		       span * (double)b->col / (double)(s->cols - 1);
		b->y = y + (row - b->h) / 2.0;
		y += row + MC_SVG_GAP_PX;
	}
	if (y + 70.0 > s->height)
		s->height = y + 70.0;
}

/* Orders and places the columns left to right: a party below the one
 * that pays it, a sink beside the party it comes from, so bands cross
 * as little as the chain allows. */
static void mc_svg_layout(struct mc_svg *s)
{
	double sum[MC_SVG_COLUMNS_MAX] = {0}, max = 1.0;
	for (size_t i = 0; i < s->n_boxes; i++)
		sum[s->boxes[i].col] += (double)s->boxes[i].ore;
	for (int c = 0; c < s->cols; c++)
		max = sum[c] > max ? sum[c] : max;
	s->scale = MC_SVG_TALLEST_PX / max;
	s->height = MC_SVG_TOP_PX;
	for (int c = 0; c < s->cols; c++) {
		for (size_t i = 0; i < s->n_boxes; i++) {
			struct mc_box *b = &s->boxes[i];
			const struct mc_box *p =
			    &s->boxes[s->party_box[b->node]];
			if (b->col != c)
				continue;
			b->key =
			    b->kind == MC_BOX_PARTY
			        ? mc_svg_party_key(s, b, c)
			        : (p->y + p->h / 2) * 8.0 + (double)b->kind;
		}
		mc_svg_sort(s);
		mc_svg_place_column(s, c);
	}
}

/* One band from box a's right side to box b's left side. */
static void mc_svg_band(struct mc_svg *s, struct mc_box *a, struct mc_box *b,
                        int64_t ore, const char *colour, const char *title)
{
	double w = (double)ore * s->scale;
	double x0 = a->x + MC_SVG_BAR_PX, x1 = b->x;
	double y0 = a->y + a->out_px, y1 = b->y + b->in_px, xm = (x0 + x1) / 2;
	char money[ML_MONEY_TEXT_MAX];
	a->out_px += w;
	b->in_px += w;
	fprintf(
	    s->f,
	    "<path class=\"band\" d=\"M%.1f %.2f C%.1f %.2f %.1f %.2f %.1f "
	    "%.2f L%.1f %.2f C%.1f %.2f %.1f %.2f %.1f %.2f Z\" fill=\"%s\" "
	    "fill-opacity=\"0.45\"><title>",
	    x0, y0, xm, y0, xm, y1, x1, y1, x1, y1 + w, xm, y1 + w, xm, y0 + w,
	    x0, y0 + w, colour);
	mc_xml_text(s->f, title);
	fprintf(s->f, ": %s</title></path>\n",
	        ml_money_format(ore, money, sizeof money));
}

/* Bands into box b from outside the chain: carried in, got back. */
static void mc_svg_sources(struct mc_svg *s, struct mc_box *b)
{
	const struct mc_trace_node *n = &s->t->nodes[b->node];
	static const struct {
		enum mc_node_figure fig;
		const char *what;
	} in[] = {{MC_N_CARRIED_IN, "carried in"}, {MC_N_RETURNED, "got back"}};
	char money[ML_MONEY_TEXT_MAX];
	for (size_t k = 0; k < 2; k++) {
		int64_t ore = n->fig[in[k].fig];
		if (ore <= 0 || (k == 1 && b->node == s->t->payer))
			continue;
		double w = (double)ore * s->scale, len = 70.0;
		double x0 = b->x - len, y = b->y + b->in_px;
		fprintf(s->f,
		        "<path class=\"band source\" d=\"M%.1f %.2f L%.1f "
		        "%.2f L%.1f %.2f L%.1f %.2f Z\" fill=\"#b07aa1\" "
		        "fill-opacity=\"0.45\"/>\n",
		        x0, y, b->x, y, b->x, y + w, x0, y + w);
		fprintf(s->f,
		        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
		        "class=\"label\">%s <tspan class=\"amount\" "
		        "data-kind=\"source\">%s</tspan></text>\n",
		        x0 - 4, y + w / 2 + 4, in[k].what,
		        ml_money_format(ore, money, sizeof money));
		b->in_px += w;
	}
}

static const char *mc_sink_colour(enum mc_box_kind k)
{
	switch (k) {
	case MC_BOX_SPENT:
		return "#59a14f";
	case MC_BOX_REPAID:
		return "#f28e2b";
	case MC_BOX_CARRIED_OUT:
		return "#b07aa1";
	default:
		return "#9d9590";
	}
}

/* All bands: sources, payouts in the order of their targets, sinks. */
static void mc_svg_bands(struct mc_svg *s)
{
	const struct mc_trace *t = s->t;
	char title[2 * ML_PARTY_ID_MAX + 16];
	for (size_t i = 0; i < s->n_boxes; i++)
		if (s->boxes[i].kind == MC_BOX_PARTY)
			mc_svg_sources(s, &s->boxes[i]);
	for (size_t j = 0; j < s->n_boxes; j++) { /* targets top down */
		for (size_t e = 0; e < t->n_edges; e++) {
			const struct mc_trace_edge *x = &t->edges[e];
			if (x->repayment || s->boxes[j].kind != MC_BOX_PARTY ||
			    x->to != s->boxes[j].node ||
			    s->party_box[x->from] == SIZE_MAX)
				continue;
			snprintf(title, sizeof title, "%s \xe2\x86\x92 %s",
			         t->nodes[x->from].party,
			         t->nodes[x->to].party);
			mc_svg_band(s, &s->boxes[s->party_box[x->from]],
			            &s->boxes[j], x->amount_ore, "#4e79a7",
			            title);
		}
	}
	for (size_t j = 0; j < s->n_boxes; j++) {
		struct mc_box *b = &s->boxes[j];
		if (b->kind == MC_BOX_PARTY)
			continue;
		mc_svg_band(s, &s->boxes[s->party_box[b->node]], b, b->ore,
		            mc_sink_colour(b->kind), t->nodes[b->node].party);
	}
}

/* What a sink box says: the activity, whom it was repaid to, …. */
static void mc_sink_text(const struct mc_svg *s, const struct mc_box *b,
                         struct ml_buf *out)
{
	const struct mc_trace *t = s->t;
	const struct mc_trace_activity *a = &t->nodes[b->node].acts[b->ref];
	struct ml_buf what;
	ml_buf_init(&what, MC_LINE_BYTES_MAX);
	if (b->kind == MC_BOX_SPENT && a->unit != NULL)
		ml_buf_addf(&what, "%s (%s)", a->activity, a->unit);
	else if (b->kind == MC_BOX_SPENT)
		ml_buf_add_str(&what, a->activity);
	else if (b->kind == MC_BOX_REPAID)
		ml_buf_addf(&what, "repaid \xe2\x86\x92 %s",
		            t->nodes[t->edges[b->ref].to].party);
	else if (b->kind == MC_BOX_CARRIED_OUT)
		ml_buf_add_str(&what, "carried out to another grant");
	else
		ml_buf_add_str(&what, "still held");
	mc_text_add(out, what.data ? what.data : "", MC_SVG_LABEL_COLS, true);
	ml_buf_free(&what);
}

static void mc_svg_label(struct mc_svg *s, const struct mc_box *b)
{
	const struct mc_trace *t = s->t;
	char money[ML_MONEY_TEXT_MAX];
	double y = b->y + b->h / 2 + 4;
	ml_money_format(b->ore, money, sizeof money);
	if (b->kind == MC_BOX_PARTY) {
		double x = b->x + MC_SVG_BAR_PX + 5;
		fprintf(s->f,
		        "<text x=\"%.1f\" y=\"%.1f\" class=\"label "
		        "party\"><tspan font-weight=\"bold\">",
		        x, y - 7);
		mc_xml_text(s->f, t->nodes[b->node].party);
		fprintf(s->f,
		        "</tspan><tspan x=\"%.1f\" dy=\"14\">%s<tspan "
		        "class=\"amount\" data-kind=\"party\">%s</tspan>"
		        "</tspan>",
		        x, b->node == t->payer ? "pool " : "",
		        ml_money_format(mc_trace_inflow(t, b->node), money,
		                        sizeof money));
		if (b->node == t->payer && mc_svg_kept(t) > 0)
			fprintf(s->f,
			        "<tspan x=\"%.1f\" dy=\"14\" fill=\"#555\">"
			        "keeps <tspan class=\"amount\" "
			        "data-kind=\"kept\">%s</tspan> (not drawn)"
			        "</tspan>",
			        x,
			        ml_money_format(mc_svg_kept(t), money,
			                        sizeof money));
		fputs("</text>\n", s->f);
		return;
	}
	struct ml_buf what;
	ml_buf_init(&what, MC_LINE_BYTES_MAX);
	mc_sink_text(s, b, &what);
	fprintf(s->f,
	        "<text x=\"%.1f\" y=\"%.1f\" class=\"label sink\">"
	        "<tspan class=\"amount\" data-kind=\"sink\" "
	        "font-weight=\"bold\">%s</tspan> ",
	        b->x + MC_SVG_BAR_PX + 6, y, money);
	mc_xml_text(s->f, what.data ? what.data : "");
	fputs(" <tspan fill=\"#777\">", s->f);
	mc_xml_text(s->f, t->nodes[b->node].party);
	fputs("</tspan></text>\n", s->f);
	ml_buf_free(&what);
}

static void mc_svg_head(struct mc_svg *s)
{
	const struct mc_trace *t = s->t;
	char pool[ML_MONEY_TEXT_MAX];
	fprintf(
	    s->f,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
	    "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu "
	    "Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
	    "<style>.label{paint-order:stroke;stroke:#fff;stroke-width:3px;"
	    "stroke-linejoin:round}</style>\n"
	    "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n"
	    "<text x=\"%.0f\" y=\"32\" font-size=\"20\" font-weight=\"bold\">"
	    "Where the money went: ",
	    MC_SVG_WIDTH_PX, s->height, MC_SVG_WIDTH_PX, s->height,
	    MC_SVG_LEFT_PX);
	mc_xml_text(s->f, t->grant);
	fprintf(s->f,
	        "</text>\n<text x=\"%.0f\" y=\"54\" fill=\"#555\">as of "
	        "%s \xc2\xb7 pool %s \xc2\xb7 %zu parties \xc2\xb7 band "
	        "widths are proportional to the amounts</text>\n",
	        MC_SVG_LEFT_PX, t->as_of,
	        ml_money_format(t->pool_ore, pool, sizeof pool), t->n_nodes);
}

static void mc_svg_legend(struct mc_svg *s)
{
	static const struct {
		const char *colour, *what;
	} keys[] = {{"#4e79a7", "paid out"},
	            {"#59a14f", "spent, by activity"},
	            {"#f28e2b", "repaid"},
	            {"#b07aa1", "carried over / got back"},
	            {"#9d9590", "still held"}};
	double x = MC_SVG_LEFT_PX, y = s->height - 30;
	for (size_t k = 0; k < 5; k++) {
		fprintf(s->f,
		        "<rect x=\"%.0f\" y=\"%.0f\" width=\"14\" "
		        "height=\"10\" fill=\"%s\" fill-opacity=\"0.6\"/>"
		        "<text x=\"%.0f\" y=\"%.0f\">%s</text>\n",
		        x, y, keys[k].colour, x + 20, y + 10, keys[k].what);
		x += 40.0 + 7.0 * (double)strlen(keys[k].what);
	}
}

static void mc_svg_draw(struct mc_svg *s)
{
	mc_svg_head(s);
	mc_svg_bands(s);
	for (size_t i = 0; i < s->n_boxes; i++) {
		const struct mc_box *b = &s->boxes[i];
		fprintf(s->f,
		        "<rect x=\"%.1f\" y=\"%.2f\" width=\"%.0f\" "
		        "height=\"%.2f\" fill=\"%s\"/>\n",
		        b->x, b->y, MC_SVG_BAR_PX, b->h,
		        b->kind == MC_BOX_PARTY ? "#2f4b7c"
		                                : mc_sink_colour(b->kind));
	}
	for (size_t i = 0; i < s->n_boxes; i++)
		mc_svg_label(s, &s->boxes[i]);
	mc_svg_legend(s);
	fputs("</svg>\n", s->f);
}

/* Boxes for every party with money and for every sink. */
static int mc_svg_boxes(struct mc_svg *s, char *why, size_t why_size)
{
	const struct mc_trace *t = s->t;
	size_t max = t->n_nodes * 4 + t->n_edges + 1;
	for (size_t i = 0; i < t->n_nodes; i++)
		max += t->nodes[i].n_acts;
	s->boxes = calloc(max, sizeof *s->boxes);
	s->party_box = malloc((t->n_nodes + 1) * sizeof *s->party_box);
	if (s->boxes == NULL || s->party_box == NULL) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < t->n_nodes; i++) {
		s->party_box[i] = SIZE_MAX;
		if (mc_svg_through(t, i) > 0)
			mc_svg_add(s, MC_BOX_PARTY, i, 0, mc_svg_through(t, i));
	}
	for (size_t i = 0; i < t->n_nodes; i++)
		if (mc_svg_through(t, i) > 0)
			mc_svg_sinks(s, i);
	if (s->n_sinks > MC_SVG_SINKS_MAX) {
		snprintf(
		    why, why_size,
		    "%zu activities and other ends are more than a picture "
		    "shows readably (%d): use --format csv or dot",
		    s->n_sinks, MC_SVG_SINKS_MAX);
		return -1;
	}
	return 0;
}

int mc_trace_svg(const struct mc_trace *t, FILE *f, char *why, size_t why_size)
{
	struct mc_svg s = {.t = t, .f = f, .cols = t->max_depth + 2};
	int rc = mc_svg_boxes(&s, why, why_size);
	if (rc == 0) {
		for (size_t i = 0; i < s.n_boxes; i++)
			if (s.boxes[i].kind == MC_BOX_PARTY)
				s.party_box[s.boxes[i].node] = i;
		mc_svg_layout(&s);
		mc_svg_draw(&s);
	}
	free(s.boxes);
	free(s.party_box);
	return rc;
}
