CatalogSearch.add("t","hy",{"hypothesis":[4.499,"1J2_"],"hypothesis finding":[2.607,"3_"]});
