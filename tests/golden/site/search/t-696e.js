CatalogSearch.add("t","in",{"information":[10.384,"4_"],"information bottleneck":[2.118,"4_"],"initialization":[1.072,"3_"]});
