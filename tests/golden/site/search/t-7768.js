CatalogSearch.add("t","wh",{"where":[4.452,"2_"],"where bigger":[2.607,"2_"]});
