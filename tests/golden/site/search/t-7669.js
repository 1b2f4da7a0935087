CatalogSearch.add("t","vi",{"via":[4.55,"4_"],"via information":[2.607,"4_"],"vinyal":[3.652,"5_"]});
